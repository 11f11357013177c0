// Package text turns the HTML content of a Mastodon status into plain text
// and the entities it carries: hashtags, mentions, links and custom emoji.
//
// It walks golang.org/x/net/html's tokenizer once, without building a tree,
// and follows what a reader of the post sees in a Mastodon client: hashtag
// links read "#tag", mention links "@user", Mastodon's hidden URL parts
// (class "invisible") are dropped and a shortened URL ends in "…".
package text

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Doc is the plain-text view of one status.
type Doc struct {
	Text     string   // visible text; "\n" for line breaks, "\n\n" between paragraphs
	Hashtags []string // lower-cased, without '#', in order of first appearance, unique
	Mentions []string // "user@domain" taken from the mention link ("user" when the link has no host), unique
	Links    []Link   // other links, in order, unique by URL
	Emojis   []string // custom emoji shortcodes without colons, in order, unique
}

// Link is an ordinary link in a status (not a hashtag or a mention).
type Link struct {
	URL    string // href as served
	Domain string // lower-cased host without port and without a leading "www."
	Text   string // the visible link text
}

// anchorKind says what an <a> element stands for.
type anchorKind int

const (
	anchorPlain anchorKind = iota
	anchorHashtag
	anchorMention
)

// anchor is the <a> element being read.
type anchor struct {
	kind anchorKind
	href string
	text strings.Builder // visible text inside the anchor
}

// span remembers how a <span> changes what is visible, so its end tag can undo it.
type span struct {
	invisible bool
	ellipsis  bool
}

// builder accumulates one document while the tokenizer runs.
type builder struct {
	out       strings.Builder
	doc       Doc
	anchor    *anchor
	spans     []span
	invisible int    // how many enclosing spans are invisible
	skipRaw   string // name of a raw-text element (script, style...) whose content is skipped
}

// FromHTML converts status HTML to a Doc. It never panics and always returns
// valid UTF-8, whatever the input.
func FromHTML(content string) Doc {
	var b builder
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF or a malformed tail: keep whatever was read.
			b.closeAnchor()
			return b.finish()
		case html.TextToken:
			if b.skipRaw != "" {
				continue
			}
			b.writeText(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if b.skipRaw != "" {
				continue
			}
			b.startTag(z, string(name), hasAttr, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			if b.skipRaw != "" {
				if string(name) == b.skipRaw {
					b.skipRaw = ""
				}
				continue
			}
			b.endTag(string(name))
		}
		// Comments and doctypes are not visible.
	}
}

// tagAttrs are the attributes of one tag that this package cares about.
type tagAttrs struct {
	hashtag, mention    bool // class or rel marks a hashtag / mention link
	invisible, ellipsis bool // Mastodon's URL-shortening spans
	href, alt           string
}

// readAttrs reads the attributes in place: class and rel are only looked
// at, never copied, which keeps the tokenizer loop nearly allocation-free.
func readAttrs(z *html.Tokenizer, name string) tagAttrs {
	var a tagAttrs
	for {
		key, val, more := z.TagAttr()
		switch string(key) {
		case "class":
			a.hashtag = a.hashtag || hasWord(val, "hashtag")
			a.mention = hasWord(val, "mention")
			a.invisible = hasWord(val, "invisible")
			a.ellipsis = hasWord(val, "ellipsis")
		case "rel":
			a.hashtag = a.hashtag || hasWord(val, "tag")
		case "href":
			if name == "a" {
				a.href = string(bytes.TrimSpace(val))
			}
		case "alt":
			if name == "img" {
				a.alt = string(val)
			}
		}
		if !more {
			return a
		}
	}
}

// hasWord reports whether the space-separated list contains word (ASCII case-insensitive).
func hasWord(list []byte, word string) bool {
	for len(list) > 0 {
		i := 0
		for i < len(list) && !isASCIISpace(list[i]) {
			i++
		}
		if i == len(word) && bytes.EqualFold(list[:i], []byte(word)) {
			return true
		}
		for i < len(list) && isASCIISpace(list[i]) {
			i++
		}
		list = list[i:]
	}
	return false
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// rawTextElements are the elements whose content the tokenizer returns
// unparsed; none of it is visible text (and Mastodon never sends them).
var rawTextElements = map[string]bool{
	"script": true, "style": true, "title": true, "textarea": true, "xmp": true,
	"iframe": true, "noembed": true, "noframes": true, "noscript": true, "plaintext": true,
	"template": true,
}

func (b *builder) startTag(z *html.Tokenizer, name string, hasAttr, selfClosing bool) {
	var attrs tagAttrs
	// Reading attributes costs allocations inside the tokenizer; only these
	// three elements have attributes that change the text.
	if hasAttr && (name == "a" || name == "span" || name == "img") {
		attrs = readAttrs(z, name)
	}
	if rawTextElements[name] {
		if !selfClosing || name != "template" {
			b.skipRaw = name
		}
		return
	}
	switch name {
	case "br":
		b.write("\n")
	case "p", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "hr", "table":
		b.write("\n\n")
	case "li":
		b.write("\n- ")
	case "tr":
		b.write("\n")
	case "td", "th":
		b.write(" ")
	case "img":
		// Some servers render custom emoji as images with the shortcode as alt text.
		if isShortcode(attrs.alt) {
			b.write(" " + attrs.alt + " ")
		}
	case "span":
		if selfClosing {
			return
		}
		s := span{invisible: attrs.invisible, ellipsis: attrs.ellipsis}
		b.spans = append(b.spans, s)
		if s.invisible {
			b.invisible++
		}
	case "a":
		// Anchors do not nest in HTML: a new one ends the old.
		b.closeAnchor()
		if selfClosing {
			return
		}
		a := &anchor{href: attrs.href}
		switch {
		case attrs.hashtag:
			a.kind = anchorHashtag
		case attrs.mention:
			a.kind = anchorMention
		}
		b.anchor = a
	}
}

func (b *builder) endTag(name string) {
	switch name {
	case "p", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table":
		b.write("\n\n")
	case "tr":
		b.write("\n")
	case "span":
		if len(b.spans) == 0 {
			return
		}
		s := b.spans[len(b.spans)-1]
		b.spans = b.spans[:len(b.spans)-1]
		if s.invisible {
			b.invisible--
		}
		if s.ellipsis && b.invisible == 0 {
			b.write("…")
		}
	case "a":
		b.closeAnchor()
	}
}

// write adds visible text, to the open anchor if there is one.
func (b *builder) write(s string) {
	if b.anchor != nil {
		b.anchor.text.WriteString(s)
		return
	}
	b.out.WriteString(s)
}

func (b *builder) writeText(raw []byte) {
	if b.invisible > 0 {
		return
	}
	if !utf8.Valid(raw) {
		raw = bytes.ToValidUTF8(raw, []byte("\uFFFD"))
	}
	if b.anchor != nil {
		b.anchor.text.Write(raw)
		return
	}
	b.out.Write(raw)
}

// closeAnchor emits the open anchor's text and records what it links to.
func (b *builder) closeAnchor() {
	a := b.anchor
	if a == nil {
		return
	}
	b.anchor = nil
	visible := normalizeInline(a.text.String())
	switch a.kind {
	case anchorHashtag:
		tag := strings.TrimPrefix(visible, "#")
		if !isTagName(tag) {
			tag = lastPathSegment(a.href)
		}
		if !isTagName(tag) {
			tag = ""
		}
		tag = strings.ToLower(tag)
		if tag == "" {
			b.out.WriteString(visible)
			return
		}
		b.out.WriteString("#" + tag)
		b.addHashtag(tag)
	case anchorMention:
		acct := mentionAcct(a.href, visible)
		name := strings.TrimPrefix(visible, "@")
		if name == "" || strings.ContainsAny(name, " \n") {
			name = acct
		}
		if name != "" {
			b.out.WriteString("@" + name)
		}
		if acct != "" {
			b.addMention(acct)
		}
	default:
		b.out.WriteString(visible)
		b.addLink(a.href, visible)
	}
}

func (b *builder) addHashtag(tag string) {
	// Posts carry a handful of tags: a linear scan beats a map.
	if !contains(b.doc.Hashtags, tag) {
		b.doc.Hashtags = append(b.doc.Hashtags, tag)
	}
}

func (b *builder) addMention(acct string) {
	if !contains(b.doc.Mentions, acct) {
		b.doc.Mentions = append(b.doc.Mentions, acct)
	}
}

func (b *builder) addLink(href, visible string) {
	u, err := url.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	for _, l := range b.doc.Links {
		if l.URL == href {
			return
		}
	}
	b.doc.Links = append(b.doc.Links, Link{
		URL:    validUTF8(href),
		Domain: strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."),
		Text:   visible,
	})
}

// Domain returns the lower-cased host of rawURL without port and without a
// leading "www.", or "" when rawURL has no host.
func Domain(rawURL string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	return validUTF8(strings.TrimPrefix(host, "www."))
}

// mentionAcct derives "user@domain" from a mention link such as
// https://example.org/@user, https://example.org/users/user or
// https://example.org/@user@other.example; it falls back to the visible text.
func mentionAcct(href, visible string) string {
	user, host := "", ""
	if u, err := url.Parse(href); err == nil {
		host = strings.ToLower(u.Hostname())
		path := strings.Trim(u.Path, "/")
		segs := strings.Split(path, "/")
		last := segs[len(segs)-1]
		switch {
		case strings.HasPrefix(last, "@"):
			user = last[1:]
		case len(segs) >= 2 && (segs[len(segs)-2] == "users" || segs[len(segs)-2] == "u"):
			user = last
		}
	}
	if !isAcct(user) {
		user = strings.TrimPrefix(visible, "@")
	}
	if !isAcct(user) {
		return ""
	}
	// A host that is no domain ("//</@x" parses with host "<") is left out
	// rather than carried into the text.
	if !strings.Contains(user, "@") && host != "" && isAcct(user+"@"+host) {
		user += "@" + host
	}
	return validUTF8(user)
}

// isTagName reports whether s can be a hashtag name: letters, digits, marks
// and underscores (Mastodon's rule, less its rarely used separators).
func isTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			return false
		}
	}
	return true
}

// isAcct reports whether s looks like "user" or "user@domain".
func isAcct(s string) bool {
	if s == "" || s[0] == '@' || strings.Count(s, "@") > 1 {
		return false
	}
	for _, r := range s {
		if r != '_' && r != '.' && r != '-' && r != '@' && r != ':' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func lastPathSegment(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	path := strings.Trim(u.Path, "/")
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		path = path[i+1:]
	}
	return validUTF8(path)
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (b *builder) finish() Doc {
	b.doc.Text = Normalize(b.out.String())
	b.doc.Emojis = Shortcodes(b.doc.Text)
	return b.doc
}

// normalizeInline collapses all whitespace, line breaks included, to single spaces.
func normalizeInline(s string) string {
	return strings.ReplaceAll(Normalize(s), "\n", " ")
}

// Normalize tidies whitespace the way FromHTML does: each line's runs of
// spaces, tabs and other blanks become one space, lines are trimmed, at most
// one blank line separates paragraphs, and control characters become spaces.
// The result is valid UTF-8.
func Normalize(s string) string {
	s = validUTF8(s)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	var out strings.Builder
	out.Grow(len(s))
	newlines := 0  // newlines pending before the next word
	space := false // a space is pending before the next word
	started := false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			newlines++
			space = false
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
		default:
			if started {
				switch {
				case newlines >= 2:
					out.WriteString("\n\n")
				case newlines == 1:
					out.WriteByte('\n')
				case space:
					out.WriteByte(' ')
				}
			}
			newlines, space, started = 0, false, true
			out.WriteRune(r)
		}
	}
	return out.String()
}
