package main

import (
	"context"
	"errors"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vsskit/vss/provider"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/simulate"
	"github.com/vsskit/vss/writer"
)

// machineFiles are what the simulated C:\ holds besides the database.
var machineFiles = map[string]string{
	"Users/ann/Documents/report.txt":     "The agent runs on the protected machine.\n",
	"Users/ann/Documents/todo.txt":       "back up the orders database\n",
	"Windows/System32/drivers/etc/hosts": "127.0.0.1 localhost\n",
}

// sessions counts the sessions opened; the n-th machine runs with seed n.
var sessions atomic.Uint64

// machines holds each simulated session's volume from newSimulatedSession
// until simulatedTarget, which the agent calls just after, takes it.
var machines sync.Map // requestor.Requestor -> *simulate.Volume

// simulatedTarget is where a restore in a simulated session puts files
// back: the session's machine's own C:\ (AgentConfig.RestoreTarget).
func simulatedTarget(_ context.Context, r requestor.Requestor) (requestor.Target, error) {
	v, ok := machines.LoadAndDelete(r)
	if !ok {
		return nil, errors.New("not a simulated session of this agent")
	}
	return simulate.NewVolumeTarget(v.(*simulate.Volume)), nil
}

// newSimulatedSession boots a simulated machine and returns a session on
// it: C:\ with a few files and an orders database (a VSS-aware
// application) that writes transactions all along, behind its writer
// "Orders DB", and the system provider. The writer's events take virtual
// time, during which the database goes on writing. Every session gets a
// machine of its own, in virtual time.
func newSimulatedSession(context.Context) (requestor.Requestor, error) {
	vol := simulate.NewVolume(`C:\`)
	for name, data := range machineFiles {
		if err := vol.MkdirAll(path.Dir(name)); err != nil {
			return nil, err
		}
		if err := vol.WriteFile(name, []byte(data)); err != nil {
			return nil, err
		}
	}
	db := simulate.NewTransactionalApp(vol, simulate.AppConfig{Dir: "ProgramData/Orders", Requests: 100000})
	vols := simulate.NewVolumeSet(vol)
	w := simulate.NewAppWriter(db, simulate.NewScriptedWriter("Orders DB",
		simulate.On(writer.EventIdentify, simulate.Behavior{Cost: 500 * time.Millisecond}),
		simulate.On(writer.EventPrepareBackup, simulate.Behavior{Cost: time.Second}),
		simulate.On(writer.EventFreeze, simulate.Behavior{Cost: 200 * time.Millisecond})))
	s, loop, err := simulate.NewSession(simulate.Config{
		Seed:      sessions.Add(1),
		Writers:   []writer.Writer{w},
		Providers: []provider.Provider{simulate.NewSystemProvider(vols)},
		Volumes:   vols,
	})
	if err != nil {
		return nil, err
	}
	db.Start(loop)
	machines.Store(requestor.Requestor(s), vol)
	return s, nil
}
