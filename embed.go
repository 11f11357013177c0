// Package copharvest holds the data embedded in the binary: the demo course
// that `copharvest demo` serves from an in-process fake Mastodon instance.
package copharvest

import _ "embed"

// DemoCourse is a hand-coded OER course conversation in Mastodon's JSON shape.
//
//go:embed testdata/coded/statuses.json
var DemoCourse []byte
