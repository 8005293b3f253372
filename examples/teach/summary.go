package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// summary tells what the run came to: the backup's outcome, the data in
// the shadow copies, the codes met and how to learn more about them.
func (n *narrator) summary(sc *scenario, seed uint64, res *result, compare bool) {
	n.printf("\n== What happened ==\n")
	if res.failed == "" {
		n.printf("The backup succeeded.\n")
	} else {
		n.printf("%s\n", wrap("The backup failed: "+res.failed+".", 76, ""))
	}
	for _, a := range n.w.apps {
		where := a.volume.Name() + a.name
		r, ok := res.shadow[a.name]
		if !ok {
			n.printf("%s: no shadow copy of it remains: the set failed.\n", where)
			continue
		}
		verdict := "consistent"
		if res.consistent[a.name] != nil {
			verdict = "NOT consistent"
		}
		var who string
		switch {
		case a.writer == "":
			who = "no writer: nothing froze it"
		case res.frozen[a.name]:
			who = fmt.Sprintf("writer %q froze it for the commit", a.writer)
		default:
			who = fmt.Sprintf("writer %q had not frozen it at the commit", a.writer)
		}
		n.printf("%s\n", wrap(fmt.Sprintf("%s (%s) in the shadow copy: %s: %s.", where, who, r.describe(a, "TORN"), verdict), 76, ""))
	}
	if compare {
		n.compare(sc, seed, res)
	}
	if len(n.codes) > 0 {
		n.printf("\nCodes met in this run, and what they mean:\n")
		for _, c := range n.codes {
			n.printf("  %s (0x%08X): %s\n", c.Name(), uint32(c), explainText(c))
		}
		n.printf("Learn more about one: go run ./examples/teach -explain %s\n", n.codes[0].Name())
	}
	n.printf("\nDraw this run: go run ./examples/teach -scenario %s -seed %d -mermaid %s.mmd -svg %s.svg\n", sc.name, seed, sc.name, sc.name)
}

// torn returns the records of an application that a shadow copy holds
// torn.
func torn(r records) []int {
	var ids []int
	for id := range r.partial {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// compare puts the web log's torn record beside the same record in the
// counterpart scenario, run with the same seed: normal against no-writer.
func (n *narrator) compare(sc *scenario, seed uint64, res *result) {
	var other string
	switch sc.name {
	case "normal":
		other = "no-writer"
	case "no-writer":
		other = "normal"
	default:
		return
	}
	osc, _ := scenarioNamed(other)
	ores, err := run(io.Discard, osc, seed, options{})
	if err != nil {
		return
	}
	unaware, aware := res, ores
	if sc.name == "normal" {
		unaware, aware = ores, res
	}
	ids := torn(unaware.shadow["weblog"])
	if len(ids) == 0 {
		n.printf("\n%s\n", wrap(fmt.Sprintf("With seed %d the commit falls between two records of the web log: even without a writer no record is torn. Try another -seed.", seed), 76, ""))
		return
	}
	id := ids[0]
	state := "not written yet when the shadow copy was taken"
	if contains(aware.shadow["weblog"].whole, id) {
		state = "whole"
	}
	var b strings.Builder
	if sc.name == "no-writer" {
		fmt.Fprintf(&b, "Record %d of the web log is torn in the shadow copy: the commit fell between two of its blocks. "+
			"With the same seed and a writer for the web log (-scenario normal), record %d is %s in the shadow copy.", id, id, state)
	} else {
		fmt.Fprintf(&b, "With the same seed but no writer for the web log (-scenario no-writer), record %d of the web log is torn in the shadow copy. "+
			"Here the writer froze the web log before the commit, and record %d is %s.", id, id, state)
	}
	n.printf("\n%s\n", wrap(b.String(), 76, ""))
}
