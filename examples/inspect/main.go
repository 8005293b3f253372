// Command inspect shows what a VSS document holds: a writer metadata
// document (WMD, what a writer declares at Identify) or a backup
// components document (BCD, what a requestor saves with a backup). It
// tells which one it was given.
//
//	inspect WM3.xml                # a person's summary
//	inspect -json BCDocument.xml   # the parsed model, for machines
//	inspect -roundtrip WM3.xml     # write it back; exit 1 if anything changes
//
// UTF-8 and UTF-16 files (with or without a byte order mark) are read
// alike. -roundtrip writes the document with this library, parses the
// output and compares it with the parse of the input, and lists any
// element or attribute of the input missing from the output.
//
// Only regular files of at most 32 MiB (the library's limit) are read: a
// directory, a device or a named pipe is refused at once. Names from the
// document are printed quoted and escaped, like Go strings, when they hold
// control characters, bidirectional overrides or other characters a
// terminal would act on rather than show; in the rest of the output such
// characters are escaped as \uXXXX.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/vsskit/vss/internal/xmldoc"
	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/writer"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// readDocument reads the file name holds, refusing anything but a regular
// file and anything larger than a document may be.
func readDocument(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := regular(fi); err != nil {
		return nil, err
	}
	f, fi, err := openChecked(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > xmldoc.MaxSize {
		return nil, fmt.Errorf("the file is %d bytes; a VSS document is at most %d (32 MiB)", fi.Size(), xmldoc.MaxSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, xmldoc.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > xmldoc.MaxSize {
		return nil, fmt.Errorf("the file grew past %d bytes (32 MiB) while read; a VSS document is at most that", xmldoc.MaxSize)
	}
	return b, nil
}

// openChecked opens a regular file for reading. It opens without
// blocking, so that should a named pipe have taken the file's place since
// it was checked, opening it does not wait for a writer, and then refuses
// what it opened if it is not a regular file.
func openChecked(name string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = regular(fi)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// regular refuses what is not a regular file, saying what it is.
func regular(fi fs.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "something else"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeCharDevice != 0:
		what = "a character device"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	return fmt.Errorf("%s, not a regular file; inspect reads VSS documents saved as files", what)
}

// errChanged is a round trip that did not give back the same document.
var errChanged = errors.New("the document written back differs from the input")

func run(args []string, stdout, stderr io.Writer) int {
	out, errOut := &escaper{w: stdout}, &escaper{w: stderr}
	defer out.flush()
	defer errOut.flush()
	stdout, stderr = out, errOut
	fl := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the parsed document as JSON")
	roundtrip := fl.Bool("roundtrip", false, "write the document back and report whether it parses to the same model, with nothing lost")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: inspect [-json] [-roundtrip] FILE...")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return 2
	}
	status := 0
	for _, name := range fl.Args() {
		if err := inspect(name, *asJSON, *roundtrip, stdout); err != nil {
			fmt.Fprintf(stderr, "inspect: %s: %v\n", show(name), err)
			status = 1
		}
	}
	return status
}

// document is a parsed WMD or BCD.
type document struct {
	kind string // "writer metadata document" or "backup components document"
	wmd  *writer.Metadata
	bcd  *requestor.BackupDocument
}

// parse reads either kind of document, telling them apart by the root
// element.
func parse(b []byte) (*document, error) {
	root, _, err := xmldoc.Parse(b)
	if err != nil {
		return nil, err
	}
	switch root.Tag {
	case "WRITER_METADATA":
		md, err := writer.ParseMetadata(b)
		return &document{kind: "writer metadata document", wmd: md}, err
	case "BACKUP_COMPONENTS":
		d, err := requestor.ParseBackupDocument(b)
		return &document{kind: "backup components document", bcd: d}, err
	}
	return nil, xmldoc.WrongRoot(root, "WRITER_METADATA> or <BACKUP_COMPONENTS", "a VSS document")
}

func (d *document) xml() (string, error) {
	if d.wmd != nil {
		return d.wmd.XML()
	}
	return d.bcd.XML()
}

func (d *document) model() any {
	if d.wmd != nil {
		return d.wmd
	}
	return d.bcd
}

func inspect(name string, asJSON, roundtrip bool, out io.Writer) error {
	b, err := readDocument(name)
	if err != nil {
		return err
	}
	d, err := parse(b)
	if err != nil {
		return err
	}
	switch {
	case roundtrip:
		return checkRoundTrip(b, d, out)
	case asJSON:
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Kind     string
			Document any
		}{d.kind, d.model()})
	case d.wmd != nil:
		printMetadata(out, d.wmd)
	default:
		printBackupDocument(out, d.bcd)
	}
	return nil
}

func checkRoundTrip(in []byte, d *document, out io.Writer) error {
	written, err := d.xml()
	if err != nil {
		return fmt.Errorf("cannot write it back: %w", err)
	}
	again, err := parse([]byte(written))
	if err != nil {
		return fmt.Errorf("cannot read back what was written: %w", err)
	}
	diff := cmp.Diff(d.model(), again.model())
	lost, err := xmldoc.Lost(in, []byte(written))
	if err != nil {
		return err
	}
	if diff == "" && len(lost) == 0 {
		fmt.Fprintf(out, "%s: round trip equal, nothing lost (%d bytes in, %d bytes out)\n", d.kind, len(in), len(written))
		return nil
	}
	if diff != "" {
		fmt.Fprintf(out, "the parse of the output differs from the parse of the input (-input +output):\n%s", diff)
	}
	for _, l := range lost {
		fmt.Fprintln(out, "lost:", l)
	}
	return errChanged
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func printMetadata(w io.Writer, md *writer.Metadata) {
	fmt.Fprintf(w, "writer metadata document (version %s)\n", show(md.Version))
	fmt.Fprintf(w, "writer      %s\n", show(md.Name))
	if md.InstanceName != "" {
		fmt.Fprintf(w, "instance    %s\n", show(md.InstanceName))
	}
	fmt.Fprintf(w, "class ID    %v\ninstance ID %v\n", md.ClassID, md.InstanceID)
	fmt.Fprintf(w, "usage       %v\nsource      %v\n", md.Usage, md.Source)
	if rm := md.RestoreMethod; rm != nil {
		fmt.Fprintf(w, "restore     %v, writer restore %v, reboot required %s\n", rm.Method, rm.WriterRestore, yesNo(rm.RebootRequired))
	}
	fmt.Fprintf(w, "components  %d\n", len(md.Components))
	for _, c := range md.Components {
		fmt.Fprintf(w, "  %s  (%v, selectable %s, selectable for restore %s)\n", show(c.Key().String()), c.Type, yesNo(c.Selectable), yesNo(c.SelectableForRestore))
		if c.Caption != "" {
			fmt.Fprintf(w, "    caption %q\n", strings.TrimSpace(c.Caption))
		}
		printFiles(w, "files", c.Files)
		printFiles(w, "database files", c.DatabaseFiles)
		printFiles(w, "log files", c.LogFiles)
		for _, d := range c.Dependencies {
			fmt.Fprintf(w, "    depends on %s of writer %v\n", show(d.LogicalPath+`\`+d.ComponentName), d.WriterClass)
		}
	}
	printFiles(w, "excluded", md.ExcludeFiles)
	printFiles(w, "excluded from the shadow copy", md.ExcludeFromSnapshot)
}

// printFiles lists up to ten file sets and counts the rest: the System
// Writer declares thousands.
func printFiles(w io.Writer, what string, files []writer.FileSpec) {
	const listed = 10
	for i, f := range files {
		if i == listed {
			fmt.Fprintf(w, "    ... and %d more %s\n", len(files)-listed, what)
			break
		}
		rec := ""
		if f.Recursive {
			rec = " (recursive)"
		}
		fmt.Fprintf(w, "    %s: %s%s\n", what, show(strings.TrimRight(f.Path, `\`)+`\`+f.Spec), rec)
	}
}

func printBackupDocument(w io.Writer, d *requestor.BackupDocument) {
	fmt.Fprintf(w, "backup components document (version %s)\n", show(d.Version))
	fmt.Fprintf(w, "backup type       %v\n", d.Type)
	fmt.Fprintf(w, "component mode    %s\n", yesNo(d.SelectComponents))
	fmt.Fprintf(w, "system state      %s\n", yesNo(d.BootableSystemState))
	fmt.Fprintf(w, "snapshot set      %v\n", d.SnapshotSetID)
	n := 0
	for _, wc := range d.Writers {
		n += len(wc.Components)
	}
	fmt.Fprintf(w, "selected          %d components of %d writers\n", n, len(d.Writers))
	for _, wc := range d.Writers {
		fmt.Fprintf(w, "  writer %v (instance %v)\n", wc.ClassID, wc.InstanceID)
		for _, c := range wc.Components {
			state := "backup not reported"
			if c.BackupSucceeded {
				state = "backed up"
			}
			fmt.Fprintf(w, "    %s  (%v, %s", show(c.Key().String()), c.Type, state)
			if c.BackupStamp != "" {
				fmt.Fprintf(w, ", stamp %q", c.BackupStamp)
			}
			if c.BackupMetadata != "" {
				fmt.Fprintf(w, ", %d bytes of writer metadata", len(c.BackupMetadata))
			}
			if c.Failure != nil && c.Failure.Failed() {
				fmt.Fprintf(w, ", failed: %s", show(c.Failure.String()))
			}
			if n := len(c.PartialFiles); n > 0 {
				fmt.Fprintf(w, ", %d partial files", n)
			}
			if n := len(c.DifferencedFiles); n > 0 {
				fmt.Fprintf(w, ", %d differenced file sets", n)
			}
			fmt.Fprintln(w, ")")
		}
	}
}
