package writer

import "github.com/vsskit/vss"

// Metadata is a writer metadata document (WMD): what a writer declares
// about itself at Identify and the requestor reads in step 4 through
// GetWriterMetadata (IVssExamineWriterMetadata).
type Metadata struct {
	// Identity, as IVssExamineWriterMetadata::GetIdentity reports it.
	InstanceID   vss.ID
	ClassID      vss.ID
	Name         string
	InstanceName string
	Usage        vss.UsageType
	Source       vss.SourceType
}

// NewMetadata starts a writer metadata document for the writer with
// identity info.
func NewMetadata(info Info) *Metadata {
	return &Metadata{
		InstanceID:   info.InstanceID,
		ClassID:      info.ClassID,
		Name:         info.Name,
		InstanceName: info.InstanceName,
		Usage:        info.Usage,
		Source:       info.Source,
	}
}
