// Package inline lets a coordinator.Runtime of this module say that it
// carries out every Op within its Wait, on the goroutine that calls Wait:
// such a runtime leaves nothing running once a session is done with a
// call, so the session need not keep the Ops it runs for Close to name.
package inline

// Mark marks the runtime that embeds it. A runtime embeds it under an
// unexported alias, so that it adds nothing to the runtime's API:
//
//	type inlineMark = inline.Mark
//	type Loop struct {
//		inlineMark
//		...
//	}
type Mark struct{}

func (Mark) runsWithinWait() {}

// runtime is what Mark gives the runtimes that embed it.
type runtime interface{ runsWithinWait() }

// Is reports whether rt embeds Mark.
func Is(rt any) bool {
	_, ok := rt.(runtime)
	return ok
}
