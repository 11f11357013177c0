package export

import (
	"github.com/oeru/copharvest/pkg/atomicfile"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/store"
)

// DataPackageName is the Frictionless Data Package descriptor every export
// to a file writes (or updates) in the file's directory.
const DataPackageName = "datapackage.json"

// Provenance says how an export was made; it becomes the `copharvest`
// section of the descriptor, top level (the latest export) and on the
// resource it describes.
type Provenance struct {
	CopharvestVersion string    `json:"copharvest_version"`
	Command           string    `json:"command"` // secrets replaced by REDACTED
	ExportedAt        time.Time `json:"exported_at"`
	Dataset           string    `json:"dataset"`
	Format            string    `json:"format"`
	Rows              int       `json:"rows"`            // rows, or nodes of the graph
	Edges             *int      `json:"edges,omitempty"` // graph only
	// Timelines harvested into the database, "tag:TAG@HOST"; Instances and
	// Tags are the same, split.
	Timelines []string `json:"timelines"`
	Instances []string `json:"instances"`
	Tags      []string `json:"tags"`
	Period    Period   `json:"period"`
	Runs      RunsInfo `json:"harvest_runs"`
	// ClassifierVersions scored the stored posts; ClassifierVersion is the
	// binary's own.
	ClassifierVersion    string             `json:"classifier_version"`
	ClassifierVersions   []string           `json:"stored_classifier_versions"`
	ClassifierThresholds map[string]float64 `json:"classifier_thresholds"`
	CommunityThresholds  any                `json:"community_thresholds"`
	ExcludeOptedOut      bool               `json:"exclude_opted_out"`
	Pseudonymized        bool               `json:"pseudonymized"`
	// CSVFormulasNeutralized: text cells starting like a formula got a
	// leading ' (spreadsheet-safe CSV; false with --csv-raw).
	CSVFormulasNeutralized *bool  `json:"csv_formulas_neutralized,omitempty"`
	CSVListSeparator       string `json:"csv_list_separator,omitempty"`
}

// Period is the export's time window: posts created in [since, until);
// null is open.
type Period struct {
	Since *time.Time `json:"since"`
	Until *time.Time `json:"until"`
}

// RunsInfo summarises the sync runs recorded in the database.
type RunsInfo struct {
	Count          int        `json:"count"`
	FirstID        int64      `json:"first_id"`
	LastID         int64      `json:"last_id"`
	FirstStartedAt *time.Time `json:"first_started_at"`
	LastStartedAt  *time.Time `json:"last_started_at"`
	LastEndedAt    *time.Time `json:"last_ended_at"`
	LastStatus     string     `json:"last_status"`
	LastOKEndedAt  *time.Time `json:"last_successful_ended_at"`
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// NewPeriod is the Period of an export filter.
func NewPeriod(f store.ExportFilter) Period {
	return Period{Since: optionalTime(f.Since), Until: optionalTime(f.Until)}
}

// SetHarvest fills the parts of p that come from the database.
func (p *Provenance) SetHarvest(h store.HarvestInfo) {
	p.Timelines, p.Instances, p.Tags = []string{}, []string{}, []string{}
	for _, t := range h.Timelines {
		p.Timelines = append(p.Timelines, "tag:"+t.Tag+"@"+t.Instance)
		if !slices.Contains(p.Instances, t.Instance) {
			p.Instances = append(p.Instances, t.Instance)
		}
		if !slices.Contains(p.Tags, t.Tag) {
			p.Tags = append(p.Tags, t.Tag)
		}
	}
	slices.Sort(p.Tags)
	p.ClassifierVersions = append([]string{}, h.ClassifierVersions...)
	r := h.Runs
	p.Runs = RunsInfo{Count: r.Count, FirstID: r.FirstID, LastID: r.LastID, FirstStartedAt: optionalTime(r.FirstStartedAt),
		LastStartedAt: optionalTime(r.LastStartedAt), LastEndedAt: optionalTime(r.LastEndedAt), LastStatus: r.LastStatus,
		LastOKEndedAt: optionalTime(r.LastOKEndedAt)}
}

// newDataPackage is a descriptor (Frictionless Data Package v1) before its
// first resource.
func newDataPackage(created time.Time) map[string]json.RawMessage {
	dp := map[string]json.RawMessage{}
	for k, v := range map[string]string{"profile": "data-package", "name": "copharvest-export",
		"title": "Mastodon posts harvested by copharvest", "created": created.UTC().Format(time.RFC3339)} {
		dp[k], _ = json.Marshal(v)
	}
	return dp
}

type resource struct {
	Profile    string       `json:"profile"`
	Name       string       `json:"name"`
	Path       string       `json:"path"`
	Format     string       `json:"format"`
	Mediatype  string       `json:"mediatype"`
	Encoding   string       `json:"encoding,omitempty"`
	Bytes      int64        `json:"bytes"`
	Dialect    *csvDialect  `json:"dialect,omitempty"`
	Schema     *tableSchema `json:"schema,omitempty"`
	Copharvest *Provenance  `json:"copharvest"`
}

type csvDialect struct {
	Delimiter      string `json:"delimiter"`
	LineTerminator string `json:"lineTerminator"`
	QuoteChar      string `json:"quoteChar"`
	DoubleQuote    bool   `json:"doubleQuote"`
	Header         bool   `json:"header"`
}

type tableSchema struct {
	Fields        []schemaField `json:"fields"`
	PrimaryKey    []string      `json:"primaryKey,omitempty"`
	MissingValues []string      `json:"missingValues"`
}

type schemaField struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Format      string   `json:"format,omitempty"`
	Description string   `json:"description"`
	TrueValues  []string `json:"trueValues,omitempty"`
	FalseValues []string `json:"falseValues,omitempty"`
}

var mediatypes = map[string]string{
	"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet",
	"gexf": "application/gexf+xml", "graphml": "application/graphml+xml",
}

// fieldOf is the Table Schema field of a column in a format.
func fieldOf(c Column, format string) schemaField {
	f := schemaField{Name: c.Name, Description: c.Doc}
	switch c.Kind {
	case KindTime, KindLocalTime:
		f.Type = "datetime"
	case KindInt:
		f.Type = "integer"
	case KindFloat:
		f.Type = "number"
	case KindBool:
		f.Type = "boolean"
		if format == "csv" {
			f.TrueValues, f.FalseValues = []string{"1"}, []string{"0"}
		}
	case KindList:
		f.Type = "array"
		if format == "csv" {
			f.Type = "string"
			f.Description += " (CSV: items separated by a space; whitespace inside an item is percent-encoded)"
		}
	case KindJSON:
		f.Type = "object"
	default:
		f.Type = "string"
	}
	return f
}

var primaryKeys = map[string][]string{"posts": {"uri"}, "accounts": {"acct"}}

// CheckDataPackage says whether the descriptor at path may be written: it
// is absent, or copharvest wrote it. Call it before exporting, so a
// foreign datapackage.json is never overwritten and no export is wasted.
func CheckDataPackage(path string) error {
	_, err := readDataPackage(path)
	return err
}

// readDataPackage reads an existing descriptor as raw properties, so that
// what others added to it (licenses, contributors) is kept; nil when there
// is none.
func readDataPackage(path string) (map[string]json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var dp map[string]json.RawMessage
	if err := json.Unmarshal(data, &dp); err != nil || dp["copharvest"] == nil {
		return nil, &ForeignDataPackageError{Path: path}
	}
	return dp, nil
}

// WriteDataPackage adds the resource at dataPath (already written) to the
// descriptor at path, replacing an earlier resource of the same file, so
// that several exports into one directory make one package. columns are
// the written columns (nil for the graph).
func WriteDataPackage(path, dataPath string, columns []Column, prov Provenance, excel bool) error {
	dp, err := readDataPackage(path)
	if err != nil {
		return err
	}
	if dp == nil {
		dp = newDataPackage(prov.ExportedAt)
	}
	rel, err := filepath.Rel(filepath.Dir(path), dataPath)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("data package %s: %s is not in its directory", path, dataPath)
	}
	rel = filepath.ToSlash(rel)
	info, err := os.Stat(dataPath)
	if err != nil {
		return fmt.Errorf("data package %s: %w", path, err)
	}
	p := prov
	res := resource{Profile: "data-resource", Name: resourceName(rel), Path: rel, Format: prov.Format,
		Mediatype: mediatypes[prov.Format], Encoding: "utf-8", Bytes: info.Size(), Copharvest: &p}
	if prov.Format == "parquet" {
		res.Encoding = ""
	}
	if columns != nil {
		res.Profile = "tabular-data-resource"
		s := &tableSchema{MissingValues: []string{""}}
		for _, c := range columns {
			s.Fields = append(s.Fields, fieldOf(c, prov.Format))
		}
		if pk, ok := primaryKeys[prov.Dataset]; ok && slices.ContainsFunc(columns, func(c Column) bool { return c.Name == pk[0] }) {
			s.PrimaryKey = pk
		}
		res.Schema = s
	}
	if prov.Format == "csv" {
		res.Dialect = &csvDialect{Delimiter: ",", LineTerminator: "\n", QuoteChar: `"`, DoubleQuote: true, Header: true}
		if excel {
			res.Dialect.LineTerminator = "\r\n"
			res.Encoding = "utf-8-sig"
		}
	}
	encoded, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("data package %s: %w", path, err)
	}
	var resources []json.RawMessage
	if err := json.Unmarshal(dp["resources"], &resources); dp["resources"] != nil && err != nil {
		return fmt.Errorf("data package %s: resources: %w", path, err)
	}
	kept := resources[:0]
	for _, r := range resources {
		var old struct {
			Path string `json:"path"`
		}
		if json.Unmarshal(r, &old) == nil && old.Path == rel {
			continue
		}
		kept = append(kept, r)
	}
	if dp["resources"], err = json.Marshal(append(kept, encoded)); err != nil {
		return fmt.Errorf("data package %s: %w", path, err)
	}
	if dp["copharvest"], err = json.Marshal(p); err != nil {
		return fmt.Errorf("data package %s: %w", path, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(dp); err != nil {
		return fmt.Errorf("data package %s: %w", path, err)
	}
	out, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := out.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return out.Commit()
}

// resourceName: Data Package names are lower case letters, digits and
// -._/; the file name made to fit is unique within its directory.
func resourceName(rel string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '_', r == '/':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, rel)
}

// ForeignDataPackageError: a datapackage.json that copharvest did not write
// stands where an export would write its own; it is left alone.
type ForeignDataPackageError struct{ Path string }

func (e *ForeignDataPackageError) Error() string {
	return fmt.Sprintf("%s exists and was not written by copharvest; it is left alone", e.Path)
}
