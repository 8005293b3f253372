// Package media stores a VSS backup on media and reads it back (step 11
// of a VSS backup: "the requestor stores the backup data and the writer
// metadata on media, so that recovery information is there at restore").
//
// A backup archive is a tar file, readable by any tar tool (tar -tf
// lists it, tar -xf extracts it), that holds the files read from the
// shadow copies, the backup components document, every writer's
// metadata document and a manifest with each file's size and SHA-256.
// Its entries, in this order:
//
//	data/<volume>/<path>              the shadow copies' files, directories
//	                                  and symbolic links, as fs.WalkDir
//	                                  lists them
//	vss/backup-components.xml         the backup components document
//	                                  (requestor.Result.BackupDocument)
//	vss/writers/NN-<writer>.xml       each writer's metadata document, NN
//	                                  its place in the backup's order (01, 02, …)
//	vss/manifest.json                 the manifest: format, volumes,
//	                                  documents and files, one file a line,
//	                                  with size, SHA-256, mode, time, link
//	vss/manifest.json.sha256          the manifest's SHA-256, as sha256sum
//	                                  writes it (sha256sum -c in vss/)
//
// <volume> is the volume's name made a safe directory name: `C:\` is C,
// `\\?\Volume{…}\` is Volume{…}, `D:\mnt\data\` is D_mnt_data (a suffix
// -2, -3, … tells apart volumes that would share one); the manifest maps
// it back to the name the backup added to the snapshot set. <path> is
// slash-separated and relative to the volume's root.
//
// # Writing
//
// Writer streams the files from each shadow copy's fs.FS into the archive
// as the backup reads them, in blocks, never holding a file in memory;
// the documents and the manifest go at the end, since the backup
// components document exists only once requestor.Backup has run Copy. A
// tool calls CopySnapshots from requestor.Plan.Copy and Finish once Backup
// has returned:
//
//	mw := media.NewWriter(f)
//	res, err := requestor.Backup(ctx, r, requestor.Plan{Volumes: vols, Copy: mw.CopySnapshots})
//	...
//	wmd, err := media.WriterMetadataXML(ctx, r, res)
//	...
//	err = mw.Finish(res.BackupDocument, wmd)
//
// Entries a restore could not put back inside its target are not stored
// and are listed in Stats.Skipped: a symbolic link whose target is
// absolute, not in its shortest form or leads out of the volume, a name
// the rules below refuse, and anything other than a regular file, a
// directory or a symbolic link.
//
// # Reading
//
// Open (or OpenFile) indexes an archive for random access: it reads every
// tar header, skipping the data, and the manifest, and checks that they
// agree; the Archive it returns is the requestor.Media that
// requestor.Restore reads. Reading a file to its end checks its SHA-256.
// Verify reads a whole archive in one pass and checks every byte that
// carries anything, writing nothing. Both fail with an *EntryError that
// names the entry: ErrCorrupt for a byte that differs from what was
// written (data, header, padding, manifest or digest), ErrTruncated for an
// archive that ends early, ErrUnsafePath for an entry a restore could not
// write inside its target.
//
// # Paths
//
// These rules are this library's (Microsoft's restore pages leave the
// storing of files to the requestor); they keep a restore inside its
// target on every system. A stored path must be relative and
// slash-separated, with no empty, "." or ".." element (fs.ValidPath), no
// backslash, colon or NUL (which would make a Windows absolute, drive or
// device path such as \\?\ or \\.\, or an alternate data stream), and no
// element Windows opens as a device (CON, NUL, COM1, LPT1, …). No entry
// may lie beneath a symbolic link of the archive. A symbolic link's target
// must be relative, in its shortest form (so ".." comes only at its
// start), and stay inside the volume when taken from the link's
// directory. Only regular files, directories and symbolic links are
// stored or accepted: never a hard link or a device.
//
// # Speed
//
// Data moves in 1 MiB blocks, with no allocation per block. SHA-256 is
// crypto/sha256, which uses the CPU's SHA instructions where there are
// some (about 1.8 GB/s a core). For a file over 256 KiB the work is
// spread over the cores: a Writer reads a block from the shadow copy while
// goroutines of its own write the one before to the archive and hash it;
// a file opened from an Archive is hashed on a goroutine of its own while
// the caller moves its blocks on. Hashing every byte is the floor of the
// cost: as much CPU as copying to a file, several times a copy in memory
// (see BENCHMARKS.md).
package media
