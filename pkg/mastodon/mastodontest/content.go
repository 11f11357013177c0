package mastodontest

import (
	"html"
	"regexp"
	"strings"
)

// tokenPattern finds, in plain text, URLs (group 1), hashtags (group 2) and mentions
// (group 3, "@name" or "@name@host"). The character before a hashtag or mention must not be
// part of a word, so e-mail addresses and URL fragments stay text.
var tokenPattern = regexp.MustCompile(`(https?://[^\s<>"]+)|(?:^|[^\p{L}\p{N}_/&#])(#[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)|(?:^|[^\p{L}\p{N}_/@])(@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]*[A-Za-z0-9])?)`)

// ContentHTML renders plain text as Mastodon renders a post: paragraphs in <p>, line
// breaks as <br />, #hashtags as hashtag links to base/tags/..., @mentions of the given
// accounts as h-cards, and URLs as shortened links. Mentions of accounts not given stay text.
func ContentHTML(base, text string, mentioned []Account) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		b.WriteString("<p>")
		for j, line := range strings.Split(para, "\n") {
			if j > 0 {
				b.WriteString("<br />")
			}
			writeLine(&b, base, line, mentioned)
		}
		b.WriteString("</p>")
	}
	return b.String()
}

func writeLine(b *strings.Builder, base, line string, mentioned []Account) {
	last := 0
	for _, m := range tokenPattern.FindAllStringSubmatchIndex(line, -1) {
		var start, end int
		var kind int
		for g := 1; g <= 3; g++ {
			if m[2*g] >= 0 {
				start, end, kind = m[2*g], m[2*g+1], g
				break
			}
		}
		token := line[start:end]
		if kind == 1 {
			// Sentence punctuation after a URL is not part of it.
			trimmed := strings.TrimRight(token, ".,;:!?)'")
			end -= len(token) - len(trimmed)
			token = trimmed
		}
		var link string
		switch kind {
		case 1:
			link = urlLink(token)
		case 2:
			link = hashtagLink(base, token[1:])
		case 3:
			if acc, ok := findMentioned(token[1:], mentioned); ok {
				link = mentionLink(acc)
			}
		}
		if link == "" {
			continue
		}
		b.WriteString(html.EscapeString(line[last:start]))
		b.WriteString(link)
		last = end
	}
	b.WriteString(html.EscapeString(line[last:]))
}

// hashtagLink keeps the case the author typed, as Mastodon does; the tag's name in the
// status's tags list is lower-cased.
func hashtagLink(base, tag string) string {
	return `<a href="` + html.EscapeString(base+"/tags/"+tag) + `" class="mention hashtag" rel="tag">#<span>` +
		html.EscapeString(tag) + `</span></a>`
}

func mentionLink(acc Account) string {
	return `<span class="h-card" translate="no"><a href="` + html.EscapeString(acc.URL) +
		`" class="u-url mention">@<span>` + html.EscapeString(acc.Username) + `</span></a></span>`
}

// urlLink shortens the visible text like Mastodon: scheme hidden, 30 characters shown.
func urlLink(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	var visible string
	if len(rest) > 30 {
		visible = `<span class="ellipsis">` + html.EscapeString(rest[:30]) + `</span><span class="invisible">` +
			html.EscapeString(rest[30:]) + `</span>`
	} else {
		visible = `<span class="">` + html.EscapeString(rest) + `</span><span class="invisible"></span>`
	}
	return `<a href="` + html.EscapeString(u) + `" target="_blank" rel="nofollow noopener" translate="no">` +
		`<span class="invisible">` + scheme + `://</span>` + visible + `</a>`
}

func findMentioned(handle string, accounts []Account) (Account, bool) {
	for _, acc := range accounts {
		if strings.EqualFold(handle, acc.Acct) || strings.EqualFold(handle, acc.Username) {
			return acc, true
		}
	}
	return Account{}, false
}

var (
	blockTagPattern = regexp.MustCompile(`(?i)</?(p|br)\b[^>]*>`)
	htmlTagPattern  = regexp.MustCompile(`<[^>]*>`)
)

// hashtagsInHTML returns the distinct lower-cased hashtags in a status's text, in order.
func hashtagsInHTML(content string) []string {
	// Paragraphs and breaks separate words; inline tags (the <span> in "#<span>cop</span>") do not.
	text := blockTagPattern.ReplaceAllString(content, " ")
	text = html.UnescapeString(htmlTagPattern.ReplaceAllString(text, ""))
	var tags []string
	seen := map[string]bool{}
	for _, m := range tokenPattern.FindAllStringSubmatch(text, -1) {
		if m[2] == "" {
			continue
		}
		name := strings.ToLower(m[2][1:])
		if !seen[name] {
			seen[name] = true
			tags = append(tags, name)
		}
	}
	return tags
}
