// Package copharvest holds the data embedded in the binary: the hand-coded
// courses that `copharvest demo` serves from an in-process fake Mastodon
// instance.
package copharvest

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
)

//go:embed testdata/coded/courses/*/statuses.json
var codedCourses embed.FS

// DemoCourseName is the course `copharvest demo` serves unless told otherwise.
const DemoCourseName = "pacific"

// CodedCourses lists the embedded hand-coded courses by name, sorted.
func CodedCourses() []string {
	entries, _ := fs.ReadDir(codedCourses, "testdata/coded/courses")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// CodedCourse returns one course's statuses in Mastodon's JSON shape.
func CodedCourse(name string) ([]byte, error) {
	if !slices.Contains(CodedCourses(), name) {
		return nil, fmt.Errorf("no coded course %q (have %v)", name, CodedCourses())
	}
	return codedCourses.ReadFile(path.Join("testdata/coded/courses", name, "statuses.json"))
}
