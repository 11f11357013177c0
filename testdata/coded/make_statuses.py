#!/usr/bin/env python3
"""Build each course's statuses.json, and one labels.csv, from the hand-written, hand-coded posts.

Every course lives in courses/<course>/: posts.txt (accounts, threads, posts and the final codes,
in the format below), coder1.csv and coder2.csv (each coder's own codes before disagreements were
settled: thread,key,domain,community,practice,note). This script only renders posts.txt into the
shape that a Mastodon 4.x server serves from /api/v1/timelines/tag and
/api/v1/statuses/:id/context, so that tests, `copharvest demo --course` and `copharvest eval` see
realistic input. Everything is deterministic: rerunning gives byte-identical files.

    python3 testdata/coded/make_statuses.py            # writes next to this script

posts.txt: `#!` lines are comments. Accounts first, one a line:
    @@ KEY INSTANCE CREATED FLAGS | Display name | profile note
(FLAGS: -, bot, nobot or noindex). Then threads and posts:
    ### THREAD START                       (START: UTC, 2026-05-04T09:30)
    %% KEY[<PARENT] AUTHOR +OFFSET LANG DCP | note
followed by the post's plain text; @key mentions, #tags and URLs become Mastodon HTML; a blank line
starts a paragraph; `!media ALT`, `!fav N`, `!boost N`, `!nocard` after the text.

labels.csv: uri,domain,community,practice,split,note,course,thread. `split` is heldout for every
post of the HELDOUT_COURSES (each decided before its posts were written: the whole course is kept
for the final test and never used to train, select features, thresholds or settings) and train
otherwise. unipolicy was held out from the start; seasia was added as a second held-out course
together with two new training courses (nursing, tvet); easteu as a third, together with three
more training courses (mena, asia, eastasia), after seasia's first measurement. Every course was
written by a writer who saw no other course and no classifier.

The Pacific course predates the other three: its favourite/boost counts (courses/pacific/counts.csv)
and follower counts (follows.csv) are frozen from its first rendering, so its statuses.json, which
`copharvest demo` embeds, stays byte-identical when its codes are adjudicated. The other courses
take counts from a keyed hash of the post, never from its codes (a count that followed the codes
would leak them to a classifier).
"""

import csv
import hashlib
import html
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
COURSES = os.path.join(HERE, "courses")
HOME = "mastodon.oeru.org"  # the instance the courses are harvested from
LEGACY = "pacific"  # the first course: ids, counts and followers as first rendered
HELDOUT_COURSES = {"unipolicy", "seasia", "easteu"}

# Link previews Mastodon fetched for links (first link in a post gets the card).
CARDS = {}


def card(url, title, description, provider, kind="link"):
    CARDS[url] = (title, description, provider, kind)


card("https://docs.google.com/spreadsheets/d/1vXqCluster0Roster7aB/edit", "Cluster OER librarian roster", "", "Google Docs")
card("https://www.oercommons.org/courses/pacific-island-ecosystems", "Pacific Island Ecosystems | OER Commons",
     "A unit on island food webs, reefs and mangroves for middle school science. CC BY 4.0.", "OER Commons")
card("https://wikieducator.org/Attribution_template_reo", "Attribution template reo - WikiEducator",
     "A bilingual attribution block for remixed OER (te reo Māori / English).", "WikiEducator")
card("https://h5p.org/documentation/for-authors/tutorials", "Tutorials for authors | H5P",
     "Step-by-step tutorials for every H5P content type.", "H5P")
card("https://creativecommons.org/chooser/", "Choose a License - Creative Commons",
     "Answer a few questions and the chooser gives you the licence and the marking.", "Creative Commons")
card("https://open.umn.edu/opentextbooks/", "Open Textbook Library",
     "Open textbooks reviewed by faculty, free to use, adapt and share.", "Open Textbook Library")
card("https://course.oeru.org/ds4oer/learning-pathways/open-licensing/", "Open licensing | Digital skills for OER",
     "Learning pathway 3: choosing and applying an open licence.", "OERu")
card("https://www.fijitimes.com.fj/two-arrested-over-namoli-break-ins/", "Two arrested over Namoli break-ins",
     "Police in Lautoka have arrested two men following a string of weekend break-ins.", "The Fiji Times")
card("https://www.imdb.com/title/tt2467372/", "Brooklyn Nine-Nine (TV Series 2013–2021) - IMDb",
     "Comedy series following the detectives of a New York precinct.", "IMDb")
card("https://pressbooks.pub/pacificscience/", "Pacific Science Starters",
     "An open textbook of hands-on science activities for Pacific classrooms.", "Pressbooks")
card("https://tenwhitelies.shop/deal/7731", "MEGA SALE 70% OFF", "Limited time only!!!", "tenwhitelies.shop")
card("https://openverse.org", "Openverse", "Search over 800 million free and openly licensed images and audio.", "Openverse")
card("https://github.com/sefo-matagi/algebra-gift-bank", "sefo-matagi/algebra-gift-bank",
     "Year 9-11 algebra questions in Moodle GIFT format, CC BY 4.0.", "GitHub")
card("https://wikieducator.org/DS4OER_2026_CoP_ideas", "DS4OER 2026 CoP ideas - WikiEducator",
     "Ideas for communities of practice for OER from the 2026 Digital Skills for OER learners, by country.", "WikiEducator")
card("https://www.theguardian.com/environment/cop31", "COP31 | The Guardian",
     "Latest news and comment on the COP31 climate summit.", "the Guardian")


def parse_offset(text):
    m = re.fullmatch(r"\+(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m?)?", text)
    if not m:
        raise ValueError(f"bad offset {text!r}")
    d, h, mi = (int(x) if x else 0 for x in m.groups())
    return timedelta(days=d, hours=h, minutes=mi)


def parse_posts(path):
    """Read posts.txt into its accounts (key -> (instance, name, created, note, flags)) and threads."""
    accounts, threads, cur, post = {}, [], None, None
    rel = os.path.relpath(path, HERE)
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#!"):
                continue  # format comment
            if line.startswith("@@ ") and cur is None:
                head, *rest = line[3:].split(" | ")
                parts = head.split()
                if len(parts) != 4 or len(rest) != 2 or parts[3] not in ("-", "bot", "nobot", "noindex"):
                    sys.exit(f"{rel}:{lineno}: want @@ KEY INSTANCE CREATED FLAGS | name | note")
                if parts[0] in accounts:
                    sys.exit(f"{rel}:{lineno}: account {parts[0]} declared twice")
                flags = "" if parts[3] == "-" else parts[3]
                accounts[parts[0]] = (parts[1], rest[0].strip(), parts[2], rest[1].strip(), flags)
                continue
            if line.startswith("### "):
                name, start = line[4:].split()
                cur = {"name": name, "start": datetime.fromisoformat(start).replace(tzinfo=timezone.utc), "posts": []}
                threads.append(cur)
                post = None
                continue
            if line.startswith("%% "):
                head, _, note = line[3:].partition(" | ")
                key, author, offset, lang, codes = head.split()
                parent = None
                if "<" in key:
                    key, parent = key.split("<")
                if author not in accounts:
                    sys.exit(f"{rel}:{lineno}: unknown author {author}")
                if not re.fullmatch(r"[01]{3}", codes):
                    sys.exit(f"{rel}:{lineno}: codes must be three 0/1 digits")
                post = {"key": key, "parent": parent, "author": author, "offset": parse_offset(offset),
                        "lang": None if lang == "-" else lang, "codes": codes, "note": note.strip(),
                        "lines": [], "media": [], "fav": None, "boost": None, "nocard": False, "line": lineno}
                cur["posts"].append(post)
                continue
            if post is None:
                if line.strip():
                    sys.exit(f"{rel}:{lineno}: text outside a post")
                continue
            if line.startswith("!media "):
                post["media"].append(line[len("!media "):])
            elif line.startswith("!fav "):
                post["fav"] = int(line[5:])
            elif line.startswith("!boost "):
                post["boost"] = int(line[7:])
            elif line == "!nocard":
                post["nocard"] = True
            else:
                post["lines"].append(line)
    return accounts, threads


def h(key):
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


def snowflake(dt, salt):
    ms = int(dt.timestamp() * 1000)
    return str((ms << 16) | (h(salt) & 0xFFFF))


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def esc(s):
    # Rails html_escape, as Mastodon's formatter uses it.
    return html.escape(s, quote=True).replace("&#x27;", "&#39;")


TOKEN = re.compile(r"(https?://[^\s<]+[^\s<.,;:!?)\"'])|(?<![\w/])@([A-Za-z0-9_]+)|(?<![\w&/])#([\w]+)")


def render_link(url):
    m = re.match(r"https?://(www\.)?", url)
    prefix, rest = url[:m.end()], url[m.end():]
    if len(rest) > 30:
        shown = f'<span class="ellipsis">{esc(rest[:30])}</span><span class="invisible">{esc(rest[30:])}</span>'
    else:
        shown = f'<span class="">{esc(rest)}</span><span class="invisible"></span>'
    return (f'<a href="{esc(url)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">'
            f'<span class="invisible">{esc(prefix)}</span>{shown}</a>')


def render(text_lines, author_instance, accounts):
    """Plain text with @key, #tag and URLs -> Mastodon HTML, mentions, tags, links."""
    mentions, tags, links = [], [], []
    paras, cur = [], []
    for line in text_lines + [""]:
        if line.strip() == "":
            if cur:
                paras.append(cur)
                cur = []
        else:
            cur.append(line)
    out = []
    for para in paras:
        rendered = []
        for line in para:
            pieces, pos = [], 0
            for m in TOKEN.finditer(line):
                pieces.append(esc(line[pos:m.start()]))
                url, user, tag = m.groups()
                if url:
                    links.append(url)
                    pieces.append(render_link(url))
                elif user:
                    if user not in accounts:
                        pieces.append(esc(m.group(0)))
                    else:
                        acc = accounts[user]
                        if user not in mentions:
                            mentions.append(user)
                        pieces.append(f'<span class="h-card" translate="no"><a href="{acc["url"]}" class="u-url mention">'
                                      f'@<span>{esc(user)}</span></a></span>')
                else:
                    name = tag.lower()
                    if name not in tags:
                        tags.append(name)
                    pieces.append(f'<a href="https://{author_instance}/tags/{esc(tag)}" class="mention hashtag" rel="tag">'
                                  f'#<span>{esc(tag)}</span></a>')
                pos = m.end()
            pieces.append(esc(line[pos:]))
            rendered.append("".join(pieces))
        out.append("<p>" + "<br>".join(rendered) + "</p>")
    return "".join(out), mentions, tags, links


def build_accounts(course, declared, follows):
    accounts = {}
    for key, (inst, display, created, note, flags) in declared.items():
        if key in follows:
            followers, following = follows[key]
        else:
            followers, following = h(f"followers:{course}/{key}") % 900, h(f"following:{course}/{key}") % 400
        created_dt = datetime.fromisoformat(created).replace(tzinfo=timezone.utc)
        local = inst == HOME
        acc = {
            "id": snowflake(created_dt, "account:" + key),
            "username": key,
            "acct": key if local else f"{key}@{inst}",
            "display_name": display,
            "locked": False,
            "bot": "bot" in flags.split(),
            "discoverable": "nobot" not in flags.split(),
            "indexable": "nobot" not in flags.split() and "noindex" not in flags.split(),
            "group": False,
            "created_at": iso(created_dt),
            "note": f"<p>{esc(note)}</p>" if "#nobot" not in note else
                    f'<p>{esc(note.replace(" #nobot", ""))} <a href="https://{inst}/tags/nobot" class="mention hashtag" rel="tag">#<span>nobot</span></a></p>',
            "url": f"https://{inst}/@{key}",
            "uri": f"https://{inst}/users/{key}",
            "avatar": f"https://{HOME}/avatars/original/missing.png",
            "avatar_static": f"https://{HOME}/avatars/original/missing.png",
            "header": f"https://{HOME}/headers/original/missing.png",
            "header_static": f"https://{HOME}/headers/original/missing.png",
            "followers_count": followers,
            "following_count": following,
            "statuses_count": 0,
            "last_status_at": None,
            "hide_collections": False,
            "emojis": [],
            "roles": [],
            "fields": [],
        }
        if local:
            acc["noindex"] = "noindex" in flags.split() or "nobot" in flags.split()
        if course == LEGACY and key == "nadia":
            acc["fields"] = [{"name": "Course", "value": '<a href="https://course.oeru.org/ds4oer/" target="_blank" rel="nofollow noopener noreferrer me" translate="no"><span class="invisible">https://</span><span class="">course.oeru.org/ds4oer/</span><span class="invisible"></span></a>', "verified_at": None}]
        accounts[key] = acc
    return accounts


def media_json(alt, status_id, n):
    mid = str(int(status_id) + 1 + n)
    path = f"{mid[:3]}/{mid[3:6]}/{mid[6:9]}/{mid[9:12]}/{mid[12:15]}/{mid[15:]}"
    return {
        "id": mid, "type": "image",
        "url": f"https://{HOME}/system/media_attachments/files/{path}/original/{hashlib.md5(mid.encode()).hexdigest()[:16]}.png",
        "preview_url": f"https://{HOME}/system/media_attachments/files/{path}/small/{hashlib.md5(mid.encode()).hexdigest()[:16]}.png",
        "remote_url": None, "preview_remote_url": None, "text_url": None,
        "meta": {"original": {"width": 1240, "height": 1754, "size": "1240x1754", "aspect": 0.7069555302166477},
                 "small": {"width": 403, "height": 570, "size": "403x570", "aspect": 0.7070175438596491}},
        "description": alt, "blurhash": "UFRysg%M~qt7-;WBWBof?bWBIUWBt7ofRjay",
    }


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def render_course(course):
    """Render courses/<course>/posts.txt into its statuses.json; return its label rows."""
    cdir = os.path.join(COURSES, course)
    declared, threads = parse_posts(os.path.join(cdir, "posts.txt"))
    follows = {r["account"]: (int(r["followers"]), int(r["following"])) for r in read_csv(os.path.join(cdir, "follows.csv"))}
    counts = {(r["thread"], r["key"]): (int(r["favourites"]), int(r["boosts"])) for r in read_csv(os.path.join(cdir, "counts.csv"))}
    accounts = build_accounts(course, declared, follows)
    # Salts name the course, so two courses' T01/a never share an id; the first course keeps its own.
    prefix = "" if course == LEGACY else course + "/"

    # Timestamps: thread start + offset, plus a few deterministic seconds so ids never collide.
    posts = []
    for t in threads:
        keys = set()
        for p in t["posts"]:
            if p["key"] in keys:
                sys.exit(f"posts.txt:{p['line']}: duplicate key {p['key']} in {t['name']}")
            keys.add(p["key"])
            if p["parent"] and p["parent"] not in keys:
                sys.exit(f"posts.txt:{p['line']}: parent {p['parent']} not earlier in {t['name']}")
            salt = f"{prefix}{t['name']}/{p['key']}"
            p["thread"] = t["name"]
            p["created"] = t["start"] + p["offset"] + timedelta(seconds=h(salt) % 50, milliseconds=h(salt + "ms") % 1000)
            posts.append(p)
    posts.sort(key=lambda p: p["created"])
    for a, b in zip(posts, posts[1:]):
        if int(a["created"].timestamp() * 1000) == int(b["created"].timestamp() * 1000):
            sys.exit(f"two posts share a millisecond: {a['thread']}/{a['key']} {b['thread']}/{b['key']}")

    by_ref = {}
    for p in posts:
        acc = accounts[p["author"]]
        inst = declared[p["author"]][0]
        p["id"] = snowflake(p["created"], f"status:{prefix}{p['thread']}/{p['key']}")
        if inst == HOME:
            p["uri"] = f"https://{HOME}/users/{p['author']}/statuses/{p['id']}"
            p["url"] = f"https://{HOME}/@{p['author']}/{p['id']}"
        else:
            # The origin server minted its own id a moment before we received the post.
            remote_id = snowflake(p["created"] - timedelta(milliseconds=350), f"remote:{prefix}{p['thread']}/{p['key']}")
            p["uri"] = f"https://{inst}/users/{p['author']}/statuses/{remote_id}"
            p["url"] = f"https://{inst}/@{p['author']}/{remote_id}"
        by_ref[(p["thread"], p["key"])] = p

    replies = {}
    for p in posts:
        if p["parent"]:
            replies.setdefault((p["thread"], p["parent"]), []).append(p)

    statuses = []
    for p in posts:
        acc = accounts[p["author"]]
        inst = declared[p["author"]][0]
        content, mentions, tags, links = render(p["lines"], inst, accounts)
        parent = by_ref[(p["thread"], p["parent"])] if p["parent"] else None
        salt = f"{prefix}{p['thread']}/{p['key']}"
        fav, boost = counts.get((p["thread"], p["key"]), (h(salt + "fav") % (6 if parent else 9), h(salt + "boost") % (2 if parent else 4)))
        fav = p["fav"] if p["fav"] is not None else fav
        boost = p["boost"] if p["boost"] is not None else boost
        crd = None
        if links and not p["nocard"] and links[0] in CARDS:
            title, desc, provider, kind = CARDS[links[0]]
            pu = re.match(r"https?://[^/]+", links[0]).group(0)
            crd = {"url": links[0], "title": title, "description": desc, "language": None, "type": kind,
                   "author_name": "", "author_url": "", "provider_name": provider, "provider_url": pu + "/",
                   "html": "", "width": 0, "height": 0, "image": None, "image_description": "", "embed_url": "",
                   "blurhash": None, "published_at": None, "authors": []}
        acc["statuses_count"] += 1
        acc["last_status_at"] = p["created"].strftime("%Y-%m-%d")
        status = {
            "id": p["id"],
            "created_at": iso(p["created"]),
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": accounts[parent["author"]]["id"] if parent else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": p["lang"],
            "uri": p["uri"],
            "url": p["url"],
            "replies_count": len(replies.get((p["thread"], p["key"]), [])),
            "reblogs_count": boost,
            "favourites_count": fav,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "content": content,
            "filtered": [],
            "reblog": None,
            "application": {"name": "Web", "website": None} if inst == HOME else None,
            "account": acc,  # filled with final counts below
            "media_attachments": [media_json(alt, p["id"], i) for i, alt in enumerate(p["media"])],
            "mentions": [{"id": accounts[m]["id"], "username": m, "url": accounts[m]["url"], "acct": accounts[m]["acct"]}
                         for m in mentions],
            "tags": [{"name": t, "url": f"https://{HOME}/tags/{t}"} for t in tags],
            "emojis": [],
            "card": crd,
            "poll": None,
        }
        if inst != HOME:
            del status["application"]
        statuses.append(status)

    # Accounts have posted elsewhere too: pad statuses_count deterministically.
    for key, acc in accounts.items():
        acc["statuses_count"] += h(f"count:{prefix}{key}") % 240
    out = json.loads(json.dumps(statuses))  # snapshot accounts with final counts into every status
    with open(os.path.join(cdir, "statuses.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    split = "heldout" if course in HELDOUT_COURSES else "train"
    rows = [[p["uri"], *p["codes"], split, p["note"], course, p["thread"]] for p in posts]
    print(f"{course}: {len(statuses)} statuses in {len(threads)} threads ({split})", file=sys.stderr)
    return rows


def main():
    courses = sorted(d for d in os.listdir(COURSES) if os.path.exists(os.path.join(COURSES, d, "posts.txt")))
    rows = []
    for course in courses:
        rows += render_course(course)
    seen = set()
    for r in rows:
        if r[0] in seen:
            sys.exit(f"uri {r[0]} in two courses")
        seen.add(r[0])
    with open(os.path.join(HERE, "labels.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["uri", "domain", "community", "practice", "split", "note", "course", "thread"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
