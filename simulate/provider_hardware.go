package simulate

import (
	"time"

	"github.com/vsskit/vss"
	"github.com/vsskit/vss/provider"
)

// HardwareProviderID is the provider ID of the simulated hardware provider.
var HardwareProviderID = vss.MustParseID("{e2a94d07-3c6b-4f15-8d2e-6a0b7f93c514}")

// HardwareProviderName is the simulated hardware provider's name, as
// fault plans and traces name it: provider "vss simulated hardware provider".
const HardwareProviderName = "vss simulated hardware provider"

// DefaultHardwareCommitCost is the hardware provider's CommitSnapshots
// time unless WithCommitCost says otherwise: a storage array splitting a
// mirror takes longer than copy-on-write, yet fits in the 10 s hold.
const DefaultHardwareCommitCost = 2 * time.Second

// HardwareProvider is a simulated storage array's provider
// (VSS_PROV_HARDWARE). VSS prefers it to software providers for the
// volumes it supports, so give it a subset with WithSupportedVolumes to
// see selection at work. Its shadow copies carry
// VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED and VSS_VOLSNAP_ATTR_PLEX, and its
// CommitCost differs from the software provider's. It implements
// provider.Provider and provider.FSOpener.
type HardwareProvider struct{ *snapProvider }

var (
	_ provider.Provider = (*HardwareProvider)(nil)
	_ provider.FSOpener = (*HardwareProvider)(nil)
)

// NewHardwareProvider returns a hardware provider over the volumes of
// vols (all of them unless WithSupportedVolumes limits it).
func NewHardwareProvider(vols *VolumeSet, opts ...ProviderOption) *HardwareProvider {
	return &HardwareProvider{newSnapProvider(vols, providerConfig{
		info: provider.Info{ID: HardwareProviderID, Name: HardwareProviderName,
			Type: vss.ProviderHardware, Version: "1.0"},
		attrs:      vss.AttrHardwareAssisted | vss.AttrPlex,
		commitCost: DefaultHardwareCommitCost,
	}, opts)}
}
