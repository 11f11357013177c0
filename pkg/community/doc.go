// Package community finds groups in the course's interaction graph (or by tag
// or instance), measures each group over a window of ISO weeks, and decides
// whether it is a community of practice, with the reasons spelled out.
//
// The package knows nothing about SQL or the command line: the analysis
// fills Columns (posts and interactions as parallel integer arrays, accounts,
// tags and resources as ids: a million posts in ~50 MB) straight from the
// stored facts, and the report prints Metrics, Verdict and Reason. The
// functions on Post and Edge values (ByGraph, MeasureAll, ...) put them in
// Columns and give the same results; tests and small inputs use them.
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
// groups. Every author is in exactly one group: authors with no tie at all
// form the group "unconnected", judged like any other. The seeds say that
// "a website with a list of members is not of itself a community of
// practice"; judging the unconnected as a group shows exactly that (they
// come out as a network) instead of leaving them unaccounted for. Groups are
// named after their two most central members (Name), so a name follows the
// people rather than the order detection found them in; Stability says how
// often other seeds find the same group. ByTag counts a reply in its thread
// root's tags and folds single-post tags into "tag:other tags".
//
// # Verdicts
//
// Decide walks the stages in order — off-domain, network, community of
// interest, emerging CoP, genuine CoP — and the first stage with a failed
// criterion gives the verdict: what the group is over the window. Explain
// is its one explanation, used by every output. Every criterion is
// reported, passed or not, with its value and threshold. How recently the
// group posted (ActivityOf) and its core, periphery, newcomers and
// returning members (HealthOf) are shown beside the verdict and never
// change it. Trajectories gives the verdict from the window's start to the
// end of each week: how the group got there.
package community
