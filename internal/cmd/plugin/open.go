package plugin

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/cli"
)

func openCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "open NAME",
		Short: "print a pass's download link and draw it as a QR code to scan with a phone",
		Long: "Print the pass's download link (an iPhone gets the pass, other browsers a preview) and draw it in the " +
			"terminal as a QR code: point a phone's camera at it.",
		Example: `  kubectl wallet open member-tom`,
		Args:    cobra.ExactArgs(1),
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		_, p, err := kube.Pass(c.Context(), args[0])
		if err != nil {
			return err
		}
		if p.Status.DownloadURL == "" {
			return fmt.Errorf("Pass %s/%s has no download link: the manager runs without --webservice-url, or the pass is not signed yet (kubectl get pass %s -n %s)", p.Namespace, p.Name, p.Name, p.Namespace)
		}
		fmt.Fprintln(c.OutOrStdout(), p.Status.DownloadURL)
		return drawQR(c.OutOrStdout(), p.Status.DownloadURL)
	}
	return cmd
}

// drawQR draws a QR code with half-block characters, two modules per line,
// dark on light with a quiet zone, so a phone reads it off any terminal.
func drawQR(w io.Writer, text string) error {
	code, err := barcodes.EncodeQR(text)
	if err != nil {
		return err
	}
	n := code.Bounds().Dx()
	const quiet = 2
	dark := func(x, y int) bool {
		if x < 0 || y < 0 || x >= n || y >= n {
			return false
		}
		r, _, _, _ := code.At(x, y).RGBA()
		return r < 0x8000
	}
	var b strings.Builder
	for y := -quiet; y < n+quiet; y += 2 {
		for x := -quiet; x < n+quiet; x++ {
			top, bottom := dark(x, y), dark(x, y+1)
			switch {
			case top && bottom:
				b.WriteRune(' ')
			case top:
				b.WriteRune('▄')
			case bottom:
				b.WriteRune('▀')
			default:
				b.WriteRune('█')
			}
		}
		b.WriteByte('\n')
	}
	_, err = io.WriteString(w, b.String())
	return err
}
