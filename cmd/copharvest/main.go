// Command copharvest harvests Mastodon hashtag communities of practice.
package main

import (
	"os"

	"github.com/oeru/copharvest/pkg/cmd/root"
)

func main() { os.Exit(root.Main()) }
