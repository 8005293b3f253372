package simulate

import (
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// SystemProviderID is the provider ID of the simulated system provider.
var SystemProviderID = vss.MustParseID("{7c3b1f52-5e0d-4a8e-9b61-2d4f0c8a91e3}")

// SystemProviderName is the simulated system provider's name, as fault
// plans and traces name it: provider "vss simulated system provider".
const SystemProviderName = "vss simulated system provider"

// DefaultSystemCommitCost is the system provider's CommitSnapshots
// time unless WithCommitCost says otherwise: copy-on-write needs no copy.
const DefaultSystemCommitCost = 50 * time.Millisecond

// SystemProvider is the simulation's system provider, Windows' in-box
// copy-on-write provider: it shadow copies every volume of its VolumeSet
// with Volume.Snapshot, and its shadow copies carry
// VSS_VOLSNAP_ATTR_DIFFERENTIAL. It implements provider.Provider and
// provider.FSOpener, and is safe for use by several goroutines.
type SystemProvider struct{ *snapProvider }

var (
	_ provider.Provider = (*SystemProvider)(nil)
	_ provider.FSOpener = (*SystemProvider)(nil)
)

// NewSystemProvider returns the system provider over the volumes of vols.
func NewSystemProvider(vols *VolumeSet, opts ...ProviderOption) *SystemProvider {
	return &SystemProvider{newSnapProvider(vols, providerConfig{
		info: provider.Info{ID: SystemProviderID, Name: SystemProviderName,
			Type: vss.ProviderSystem, Version: "1.0"},
		attrs:      vss.AttrDifferential,
		commitCost: DefaultSystemCommitCost,
	}, opts)}
}
