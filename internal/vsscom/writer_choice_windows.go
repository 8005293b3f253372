//go:build windows && (amd64 || arm64)

package vsscom

import "github.com/vsskit/vss"

// DisableWriterInstances leaves these writer instances out of the
// backup; it must come before GatherWriterMetadata.
func (b *BackupComponents) DisableWriterInstances(ids []vss.ID) error {
	return b.writerClasses("DisableWriterInstances", BCDisableWriterInstances, ids)
}
