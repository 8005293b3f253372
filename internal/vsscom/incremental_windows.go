//go:build windows && (amd64 || arm64)

package vsscom

import (
	"github.com/vsskit/vss"
	"github.com/vsskit/vss/internal/com"
)

// SetPreviousBackupStamp hands a component's writer the backup stamp of
// the backup an incremental or differential backup builds on; it must
// come before PrepareForBackup.
func (b *BackupComponents) SetPreviousBackupStamp(class vss.ID, ct vss.ComponentType, logicalPath, name, stamp string) error {
	return b.componentCall("SetPreviousBackupStamp", BCSetPreviousBackupStamp, class, ct, logicalPath, name,
		func(a *com.Args) error { return a.Str(stamp, false) })
}

// SetBackupOptions sets a component's private backup options, in its
// writer's own syntax; it must come before PrepareForBackup.
func (b *BackupComponents) SetBackupOptions(class vss.ID, ct vss.ComponentType, logicalPath, name, options string) error {
	return b.componentCall("SetBackupOptions", BCSetBackupOptions, class, ct, logicalPath, name,
		func(a *com.Args) error { return a.Str(options, false) })
}
