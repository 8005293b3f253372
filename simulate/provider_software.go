package simulate

import (
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// SoftwareProviderID is the provider ID of the simulated system provider.
var SoftwareProviderID = vss.MustParseID("{7c3b1f52-5e0d-4a8e-9b61-2d4f0c8a91e3}")

// DefaultSoftwareCommitCost is the software provider's CommitSnapshots
// time unless WithCommitCost says otherwise: copy-on-write needs no copy.
const DefaultSoftwareCommitCost = 50 * time.Millisecond

// SoftwareProvider is the simulation's system provider, Windows' in-box
// copy-on-write provider: it shadow copies every volume of its VolumeSet
// with Volume.Snapshot, and its shadow copies carry
// VSS_VOLSNAP_ATTR_DIFFERENTIAL. It implements provider.Provider and
// provider.FSOpener, and is safe for use by several goroutines.
type SoftwareProvider struct{ *snapProvider }

var (
	_ provider.Provider = (*SoftwareProvider)(nil)
	_ provider.FSOpener = (*SoftwareProvider)(nil)
)

// NewSoftwareProvider returns the system provider over the volumes of vols.
func NewSoftwareProvider(vols *VolumeSet, opts ...ProviderOption) *SoftwareProvider {
	return &SoftwareProvider{newSnapProvider(vols, providerConfig{
		info: provider.Info{ID: SoftwareProviderID, Name: "vss simulated software provider",
			Type: vss.ProviderSystem, Version: "1.0"},
		attrs:      vss.AttrDifferential,
		commitCost: DefaultSoftwareCommitCost,
	}, opts)}
}
