// Package community finds groups in the course's interaction graph (or by tag
// or instance), measures each group over a window of ISO weeks, and decides
// whether it is a community of practice, with the reasons spelled out.
//
// The package knows nothing about SQL or the command line: the store fills
// Post and Edge values, and the report prints Metrics, Verdict and Reason.
//
// # Ties
//
// An Edge is one act of one account towards another: a reply, a mention, a
// boost or a favourite. Replies, mentions and boosts are ties, weighted 1.0,
// 0.5 and 0.25 (a reply costs the most effort and is the clearest sign of
// interaction). Favourites are counted in Metrics but are not ties: a click
// is not a relationship. Self-edges (replying to one's own thread, mentioning
// oneself) are dropped everywhere.
//
// # Groups
//
// ByGraph runs Louvain modularity optimisation (a hand-written version on
// integer ids and flat slices; see louvain.go for why not gonum's) on the
// undirected tie graph with a fixed seed, so the same input gives the same
// groups. Authors with no tie at all join no graph group: the seeds are
// explicit that "a website with a list of members is not of itself a
// community of practice", and lumping every lone poster into one group would
// invent a community that does not exist. They still count as isolates in
// the tag and instance groupings (ByTag, ByInstance), whose IsolatesShare is
// where broadcasting shows up.
//
// # Verdicts
//
// Decide walks the design's stages in order — inactive, off-domain, network,
// community of interest, emerging CoP, genuine CoP — and the first stage with
// a failed criterion gives the verdict. Every criterion of every stage is
// reported, passed or not, with its value and threshold, so a reader can see
// both why a group got its verdict and what it lacks for the next one.
package community
