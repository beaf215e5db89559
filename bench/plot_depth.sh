#!/usr/bin/env bash
# bench/plot_depth.sh OUT.svg < "run figure value" lines (from bench/run.sh):
# the schedule() round trip against the C frames between a tasklet's base
# and its switch (depth 1/8/32/128), one line per engine, log-log, with the
# bare Asyncify floor (two bare resume+yield at that depth) dashed in the
# engine's colour.  Plain SVG written by awk: no network, no packages.
set -euo pipefail
awk -v out="$1" '
{ v[$1 "|" $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++nr] = $1 } }
function lx(d) { return 70 + (log(d) / log(128)) * 520 }
function ly(ns) { return 350 - (log(ns / lo) / log(hi / lo)) * 310 }
function floor_at(r, d) {
    if (d == 1) return v[r "|peer_asyncify_bare_rt_ns"] * 2
    return v[r "|peer_asyncify_bare_d" d "_rt_ns"] * 2
}
END {
    split("1 8 32 128", D, " ")
    split("#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd #8c564b", C, " ")
    lo = 1e18; hi = 0
    for (i = 1; i <= nr; i++) for (k = 1; k <= 4; k++) {
        r = order[i]; x = v[r "|depth" D[k] "_rt_ns"]; f = floor_at(r, D[k])
        if (x > 0) { if (x < lo) lo = x; if (x > hi) hi = x }
        if (f > 0) { if (f < lo) lo = f; if (f > hi) hi = f }
    }
    if (hi == 0) { print "plot_depth: no depth figures" > "/dev/stderr"; exit 1 }
    lo = 10 ^ int(log(lo) / log(10) - (lo < 1)); hi = 10 ^ (int(log(hi) / log(10) + 0.999))
    if (hi <= lo) hi = lo * 10
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"780\" height=\"400\" font-family=\"sans-serif\" font-size=\"12\">\n" > out
    printf "<rect width=\"780\" height=\"400\" fill=\"white\"/>\n" > out
    printf "<text x=\"330\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">schedule() round trip vs C frames between tasklet base and switch</text>\n" > out
    for (p = lo; p <= hi * 1.0001; p *= 10) {
        y = ly(p)
        printf "<line x1=\"70\" x2=\"590\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"64\" y=\"%.1f\" text-anchor=\"end\">%g ns</text>\n", y, y, y + 4, p > out
    }
    for (k = 1; k <= 4; k++) {
        x = lx(D[k])
        printf "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"40\" y2=\"350\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"368\" text-anchor=\"middle\">%d</text>\n", x, x, x, D[k] > out
    }
    printf "<text x=\"330\" y=\"390\" text-anchor=\"middle\">depth (frames, log scale); dashed: 2 bare Asyncify resume+yield at that depth</text>\n" > out
    ly0 = 50
    for (i = 1; i <= nr; i++) {
        r = order[i]; col = C[(i - 1) % 6 + 1]; pts = ""; fpts = ""
        for (k = 1; k <= 4; k++) {
            x = v[r "|depth" D[k] "_rt_ns"]; f = floor_at(r, D[k])
            if (x > 0) pts = pts sprintf("%.1f,%.1f ", lx(D[k]), ly(x))
            if (f > 0) fpts = fpts sprintf("%.1f,%.1f ", lx(D[k]), ly(f))
        }
        if (pts == "") continue
        printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n", col, pts > out
        if (fpts != "") printf "<polyline fill=\"none\" stroke=\"%s\" stroke-dasharray=\"5,4\" points=\"%s\"/>\n", col, fpts > out
        printf "<line x1=\"605\" x2=\"630\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"636\" y=\"%d\">%s</text>\n", ly0, ly0, col, ly0 + 4, r > out
        ly0 += 20
    }
    printf "</svg>\n" > out
}'
