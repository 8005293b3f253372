package vss

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIDForms(t *testing.T) {
	want := ID{0xb2, 0x01, 0x4c, 0x9e, 0x87, 0x11, 0x4c, 0x5c, 0xa5, 0xa9, 0x3c, 0xf3, 0x84, 0x48, 0x47, 0x57}
	for _, s := range []string{
		"{B2014C9E-8711-4C5C-A5A9-3CF384484757}",
		"{b2014c9e-8711-4c5c-a5a9-3cf384484757}",
		"b2014c9e-8711-4C5C-a5a9-3CF384484757",
	} {
		id, err := ParseID(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, id, s)
	}
	assert.Equal(t, "{B2014C9E-8711-4C5C-A5A9-3CF384484757}", want.String())
	assert.Equal(t, "b2014c9e-8711-4c5c-a5a9-3cf384484757", want.XMLString())
}

func TestParseIDRejectsMalformed(t *testing.T) {
	for _, s := range []string{"", "{}", "{B2014C9E-8711-4C5C-A5A9-3CF384484757", "B2014C9E87114C5CA5A93CF384484757",
		"{G2014C9E-8711-4C5C-A5A9-3CF384484757}", "B2014C9E-8711-4C5C-A5A9-3CF38448475", "B2014C9E-8711-4C5C-A5A9_3CF384484757"} {
		_, err := ParseID(s)
		assert.Error(t, err, "%q", s)
	}
}

func TestIDTextRoundTripAndWindowsLayout(t *testing.T) {
	id := MustParseID("{00112233-4455-6677-8899-AABBCCDDEEFF}")
	b, err := id.MarshalText()
	require.NoError(t, err)
	var back ID
	require.NoError(t, back.UnmarshalText(b))
	assert.Equal(t, id, back)
	w := id.WindowsBytes()
	assert.Equal(t, [16]byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, w)
	assert.Equal(t, id, FromWindowsBytes(w))
	assert.True(t, NilID.IsNil())
	assert.False(t, id.IsNil())
}

func TestNewIDIsVersion4FromItsSource(t *testing.T) {
	a, err := NewID(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	require.NoError(t, err)
	assert.Equal(t, byte(0x4f), a[6])
	assert.Equal(t, byte(0xbf), a[8])
	b, err := NewID(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	require.NoError(t, err)
	assert.Equal(t, a, b, "same source bytes, same ID")
	_, err = NewID(bytes.NewReader([]byte{1, 2}))
	assert.Error(t, err)
}

func TestEnumNamesAndValues(t *testing.T) {
	cases := []struct {
		got  string
		want string
	}{
		{BackupFull.String(), "VSS_BT_FULL"},
		{BackupType(99).String(), "VSS_BT(99)"},
		{WriterFailedAtFreeze.String(), "VSS_WS_FAILED_AT_FREEZE"},
		{AppFrontEnd.String(), "VSS_APP_FRONT_END"},
		{AppAuto.String(), "VSS_APP_AUTO"},
		{ContextClientAccessibleWriters.String(), "VSS_CTX_CLIENT_ACCESSIBLE_WRITERS"},
		{SnapshotContext(AttrPersistent | AttrTransportable).String(), "VSS_CTX(PERSISTENT|TRANSPORTABLE)"},
		{(AttrPersistent | AttrNoAutoRelease | 0x8000).String(), "PERSISTENT|NO_AUTO_RELEASE|0x8000"},
		{RestoreIfCanReplace.String(), "VSS_RME_RESTORE_IF_CAN_REPLACE"},
		{ProviderHardware.String(), "VSS_PROV_HARDWARE"},
		{SnapshotCreated.String(), "VSS_SS_CREATED"},
		{(SchemaDifferential | SchemaLog).String(), "DIFFERENTIAL|LOG"},
		{UsageBootableSystemState.String(), "VSS_UT_BOOTABLESYSTEMSTATE"},
		{SourceTransactedDB.String(), "VSS_ST_TRANSACTEDDB"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.got)
	}
	// Values from vss.h and vswriter.h.
	assert.EqualValues(t, 0x9, ContextAppRollback)
	assert.EqualValues(t, 0x19, ContextNASRollback)
	assert.EqualValues(t, 0x1d, ContextClientAccessible)
	assert.EqualValues(t, 0xd, ContextClientAccessibleWriters)
	assert.EqualValues(t, 15, WriterFailedAtBackupShutdown)
	assert.True(t, ContextAppRollback.Persistent())
	assert.False(t, ContextBackup.Persistent())
	assert.False(t, ContextFileShareBackup.WithWriters())
	assert.True(t, ContextBackup.Valid())
	assert.False(t, ContextAll.Valid())
}

func TestOrderingRanks(t *testing.T) {
	assert.Less(t, AppFrontEnd.FreezeRank(), AppBackEnd.FreezeRank())
	assert.Less(t, AppBackEnd.FreezeRank(), AppSystem.FreezeRank())
	assert.Equal(t, AppFrontEnd.FreezeRank(), AppAuto.FreezeRank())
	assert.Less(t, ProviderHardware.SelectionRank(), ProviderSoftware.SelectionRank())
	assert.Less(t, ProviderSoftware.SelectionRank(), ProviderSystem.SelectionRank())
}

func TestHRESULTErrors(t *testing.T) {
	assert.Equal(t, HRESULT(0x80042301), ErrBadState)
	assert.Contains(t, ErrBadState.Error(), "VSS_E_BAD_STATE (0x80042301)")
	assert.Equal(t, "HRESULT(0x80049999)", HRESULT(0x80049999).Name())
	assert.True(t, ErrBadState.Failed())
	assert.False(t, AsyncFinished.Failed())

	cause := errors.New("disk gone")
	err := Errorf(ErrUnexpectedProviderError, "CommitSnapshots", "provider X: %w", cause)
	assert.ErrorIs(t, err, ErrUnexpectedProviderError)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "CommitSnapshots: "+ErrUnexpectedProviderError.Error()+": provider X: disk gone", err.Error())
	assert.Equal(t, ErrUnexpectedProviderError, CodeOf(err))
	assert.Equal(t, ErrFail, CodeOf(cause))
	assert.Equal(t, OK, CodeOf(nil))
}

func TestWriterFailureMapping(t *testing.T) {
	assert.Equal(t, OK, WriterFailure(nil))
	assert.Equal(t, ErrWriterRetryable, WriterFailure(ErrWriterRetryable))
	assert.Equal(t, ErrWriterOutOfResources, WriterFailure(Errorf(ErrWriterOutOfResources, "OnFreeze", "no memory")))
	assert.Equal(t, ErrWriterNonRetryable, WriterFailure(errors.New("plain")))
	assert.Equal(t, ErrWriterNonRetryable, WriterFailure(ErrBadState), "a non-writer HRESULT is non-retryable")
}

func TestParseHRESULT(t *testing.T) {
	for _, h := range []HRESULT{ErrBadState, ErrWriterRetryable, ErrAccessDenied, HRESULT(0x80049999)} {
		got, err := ParseHRESULT(h.Name())
		require.NoError(t, err, h.Name())
		assert.Equal(t, h, got)
	}
	got, err := ParseHRESULT("0x800423F3")
	require.NoError(t, err)
	assert.Equal(t, ErrWriterRetryable, got)
	for _, bad := range []string{"", "VSS_E_NOPE", "0x", "0xZZ", "0x1234567890"} {
		_, err := ParseHRESULT(bad)
		assert.Error(t, err, bad)
	}
}

func TestAppendXML(t *testing.T) {
	id := MustParseID("{E8132975-6F93-4464-A53E-1050253AE220}")
	assert.Equal(t, "x=e8132975-6f93-4464-a53e-1050253ae220", string(id.AppendXML([]byte("x="))))
	assert.Equal(t, id.XMLString(), string(id.AppendXML(nil)))
	buf := make([]byte, 0, 36)
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = id.AppendXML(buf[:0]) }))
}
