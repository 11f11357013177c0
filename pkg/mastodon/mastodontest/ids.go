package mastodontest

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// IDKind says how the server mints new ids.
type IDKind int

const (
	// Snowflake ids are decimal strings of ms<<16|seq, as Mastodon mints them.
	Snowflake IDKind = iota
	// ULID ids are 26 characters of Crockford base32 (48-bit ms time, 80 random bits), as
	// GoToSocial mints them.
	ULID
)

// String names the id kind for test names and logs.
func (k IDKind) String() string {
	if k == ULID {
		return "ulid"
	}
	return "snowflake"
}

// CompareIDs orders ids as opaque strings the way both servers' ids sort by age: a shorter
// id is older, equal lengths compare bytewise. It returns -1, 0 or +1.
func CompareIDs(a, b string) int {
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// idMinter mints unique ids for one server; callers hold the server lock.
type idMinter struct {
	kind IDKind
	rng  *rand.Rand
	used map[string]bool
}

func newIDMinter(kind IDKind, seed uint64) *idMinter {
	return &idMinter{kind: kind, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), used: map[string]bool{}}
}

// mint returns a new id whose time part is at, unique among ids seen by this minter.
func (m *idMinter) mint(at time.Time) string {
	ms := at.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	for seq := uint64(0); ; seq++ {
		var id string
		if m.kind == ULID {
			id = ulidString(uint64(ms), m.rng.Uint64(), m.rng.Uint64())
		} else {
			// Mastodon puts a sequence in the low 16 bits; spill into the next ms on overflow.
			id = strconv.FormatUint(uint64(ms)<<16+seq, 10)
		}
		if !m.used[id] {
			m.used[id] = true
			return id
		}
	}
}

// ulidString encodes a 48-bit time and 80 bits of entropy (from hi's low 16 bits and lo).
func ulidString(ms, hi, lo uint64) string {
	var b [26]byte
	// 10 characters of time, 50 bits of which the top two are zero.
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	// 16 characters of entropy: 80 bits = 16 bits of hi then 64 bits of lo.
	hi &= 0xffff
	for i := 25; i >= 10; i-- {
		b[i] = crockford[lo&31]
		lo = lo>>5 | (hi&31)<<59
		hi >>= 5
	}
	return string(b[:])
}
