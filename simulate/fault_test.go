package simulate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
)

func TestFaultTextRoundTrip(t *testing.T) {
	faults := []Fault{
		{Actor: WriterActor("Front"), Site: "Freeze", Kind: FaultError, Code: vss.ErrWriterRetryable},
		{Actor: WriterActor("Front"), Site: "Freeze", Kind: FaultError},
		{Actor: WriterActor("Back"), Site: "Thaw", Kind: FaultHang, After: true},
		{Actor: ProviderActor("system"), Site: "CommitSnapshots", Kind: FaultDelay, Delay: 11 * time.Second},
		{Actor: WriterActor("Shop Application"), Site: "PrepareSnapshot", Kind: FaultPanic},
		{Actor: WriterActor(`odd;"name`), Site: "Freeze", Kind: FaultCancel},
		{Actor: RequestorActor(), Site: "PrepareForBackup", Kind: FaultAbort},
		{Actor: ProviderActor("hw"), Site: "EndPrepareSnapshots", Kind: FaultError, Code: 0x80049999},
	}
	for _, f := range faults {
		back, err := ParseFault(f.String())
		require.NoError(t, err, f.String())
		assert.Equal(t, f, back, f.String())
	}
	p := Plan(faults)
	back, err := ParsePlan(p.String())
	require.NoError(t, err)
	assert.Equal(t, p, back)
	assert.Equal(t, `writer "Front" Freeze error(VSS_E_WRITERERROR_RETRYABLE); writer "Shop Application" PrepareSnapshot panic`,
		Plan{faults[0], faults[4]}.String())
	empty, err := ParsePlan("  ")
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestParseFaultRejectsNonsense(t *testing.T) {
	for _, s := range []string{
		"", `writer "Front"`, `writer "Front" Freeze`, `writer "Front" Freeze explode`, `writer "" Freeze hang`,
		`disk "C" Freeze hang`, `writer "Front" Freeze delay`, `writer "Front" Freeze delay(-1s)`, `writer "Front" Freeze delay(soon)`,
		`writer "Front" Freeze error(VSS_E_NOPE)`, `writer "Front" Freeze hang(3)`, `writer "Front" Freeze hang later`,
		`writer "Front" Freeze abort`, "requestor DoSnapshotSet hang", `writer "Front Freeze hang`, `writer "Front" Freeze error(x`,
		"writer:Front Freeze hang", `writer "Front" Frezee hang`, `provider "p" Commit hang`, "requestor Close abort",
	} {
		_, err := ParseFault(s)
		assert.Error(t, err, "%q", s)
	}
	// A misspelt site or kind is named, with the valid choices.
	for s, want := range map[string]string{
		`writer "Front" Frezee hang`: `unknown site "Frezee" for writer "Front"; the sites are Identify, PrepareBackup`,
		`provider "p" Commit hang`:   `unknown site "Commit" for provider "p"; the sites are IsVolumeSupported`,
		`writer "Front" Freeze hnag`: `unknown kind "hnag"; the kinds are error, delay, hang, panic, cancel, abort`,
		"requestor Close abort":      `unknown site "Close" for requestor; the sites are InitializeForBackup`,
		"writer:Front Freeze hang":   `unknown actor "writer:Front"`,
	} {
		_, err := ParseFault(s)
		if assert.Error(t, err, s) {
			assert.Contains(t, err.Error(), want)
		}
	}
}
