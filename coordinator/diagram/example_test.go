package diagram_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/coordinator/diagram"
	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/simulate/explore"
	"github.com/vsskit/vss/writer"
)

// Draw the backup a test ran: a Mermaid sequence diagram of the session's
// trace (paste it into any Mermaid viewer) and an SVG timeline (open it in
// a browser).
func ExampleMermaid() {
	vols := simulate.NewVolumeSet(simulate.NewVolume(`C:\`))
	s, _, err := simulate.NewSession(simulate.Config{Seed: 1, Volumes: vols,
		Writers:   []writer.Writer{simulate.NewScriptedWriter("Orders", simulate.WithLevel(vss.AppBackEnd))},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = requestor.Backup(context.Background(), s, requestor.Plan{Volumes: []string{`C:\`}})
	_ = s.Close()
	fmt.Println("backup:", err)

	text := diagram.Mermaid(s.Trace())
	for _, l := range strings.Split(text, "\n")[:10] {
		fmt.Println(l)
	}
	svg := diagram.SVG(s.Trace(), diagram.Title("one writer, one volume"))
	fmt.Println(strings.HasPrefix(svg, "<svg "))
	// Output:
	// backup: <nil>
	// sequenceDiagram
	//     participant R as Requestor
	//     participant VSS as VSS
	//     box rgba(66, 133, 244, 0.06) Writers
	//         participant P2 as Orders
	//     end
	//     box rgba(120, 120, 120, 0.06) Providers
	//         participant P3 as vss simulated system provider
	//     end
	//     box rgba(255, 152, 0, 0.06) Volumes
	// true
}

// Draw a run of the coordinator's harness that went wrong: a writer that
// never answers Freeze is failed at the end of its freeze window, and the
// diagram marks it.
func Example_exploreRun() {
	plan, err := simulate.ParsePlan(`writer "Front" Freeze hang`)
	if err != nil {
		fmt.Println(err)
		return
	}
	run := explore.ThreeWriterScenario().Run(4242, plan)
	fmt.Println("backup:", vss.CodeOf(run.Err).Name())
	text := diagram.Mermaid(run.Trace)
	fmt.Println(strings.Contains(text, "failed#58; frozen longer than 60s"))
	// Output:
	// backup: VSS_E_WRITERERROR_TIMEOUT
	// true
}
