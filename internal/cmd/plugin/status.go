package plugin

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

func statusCommand() *cobra.Command {
	var maxPasses int
	cmd := &cobra.Command{
		Use:   "status [TEMPLATE]",
		Short: "show certificates, templates and passes as a tree, with what is not Ready and why",
		Long: "Show each PassCertificate, its PassTemplates and their Passes as a tree: Ready or the reason it is not, " +
			"registered devices, when each pass was last signed and pushed. Passes that are not Ready come first. " +
			"Exit 1 when anything shown is not Ready (for scripts).",
		Example: `  kubectl wallet status
  kubectl wallet status harbour-concert -n events
  kubectl wallet status -A -l group=novak-family
  kubectl wallet status -o json | jq '.[].certificates[].ready'
  kubectl wallet status || echo "something is not Ready"`,
		Args: cobra.MaximumNArgs(1),
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().IntVar(&maxPasses, "max-passes", 20, "Passes shown per template (the rest are counted).")
	list := addListFlags(cmd, "json", "yaml")
	cmd.ValidArgsFunction = func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return templateNames(c, kube), cobra.ShellCompDirectiveNoFileComp
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := list.check(); err != nil {
			return err
		}
		k, ns, err := kube.Client()
		if err != nil {
			return err
		}
		opts, err := list.options(ns)
		if err != nil {
			return err
		}
		var certs walletv1.PassCertificateList
		var tpls walletv1.PassTemplateList
		var passes walletv1.PassList
		where := []client.ListOption{}
		if !list.allNamespaces {
			where = append(where, client.InNamespace(ns))
		}
		if err := k.List(c.Context(), &certs, where...); err != nil {
			return err
		}
		if err := k.List(c.Context(), &tpls, where...); err != nil {
			return err
		}
		if err := k.List(c.Context(), &passes, opts...); err != nil {
			return err
		}
		trees := treesByNamespace(certs.Items, tpls.Items, passes.Items, args)
		if list.selector != "" {
			trees = withPassesOnly(trees)
		}
		if len(trees) == 0 {
			if len(args) == 1 {
				return fmt.Errorf("PassTemplate %q not found in namespace %s", args[0], ns)
			}
			if list.output == "" {
				fmt.Fprintf(c.ErrOrStderr(), "No PassCertificates, PassTemplates or Passes in namespace %s.\n", ns)
				return nil
			}
		}
		allReady := true
		if list.output != "" {
			var reports []namespaceReport
			for _, t := range trees {
				r := reportOf(t.namespace, t.tree)
				allReady = allReady && r.ready
				reports = append(reports, r)
			}
			if err := printStructured(c.OutOrStdout(), list.output, reports); err != nil {
				return err
			}
		} else {
			for _, t := range trees {
				if list.allNamespaces {
					fmt.Fprintf(c.OutOrStdout(), "Namespace %s:\n", t.namespace)
				}
				if ok := printTree(c.OutOrStdout(), t.tree, maxPasses); !ok {
					allReady = false
				}
			}
		}
		if !allReady {
			return cli.ErrSilent
		}
		return nil
	}
	return cmd
}

// templateNames completes a TEMPLATE argument from the cluster.
func templateNames(c *cobra.Command, kube *cli.KubeFlags) []string {
	k, ns, err := kube.Client()
	if err != nil {
		return nil
	}
	var tpls walletv1.PassTemplateList
	if err := k.List(c.Context(), &tpls, client.InNamespace(ns)); err != nil {
		return nil
	}
	names := make([]string, 0, len(tpls.Items))
	for _, t := range tpls.Items {
		names = append(names, t.Name)
	}
	return names
}

type namespaceTree struct {
	namespace string
	tree      []*certNode
}

// treesByNamespace builds one tree per namespace, in name order.
func treesByNamespace(certs []walletv1.PassCertificate, tpls []walletv1.PassTemplate, passes []walletv1.Pass, only []string) []namespaceTree {
	type objs struct {
		certs  []walletv1.PassCertificate
		tpls   []walletv1.PassTemplate
		passes []walletv1.Pass
	}
	byNS := map[string]*objs{}
	of := func(ns string) *objs {
		if byNS[ns] == nil {
			byNS[ns] = &objs{}
		}
		return byNS[ns]
	}
	for _, c := range certs {
		of(c.Namespace).certs = append(of(c.Namespace).certs, c)
	}
	for _, t := range tpls {
		of(t.Namespace).tpls = append(of(t.Namespace).tpls, t)
	}
	for _, p := range passes {
		of(p.Namespace).passes = append(of(p.Namespace).passes, p)
	}
	var out []namespaceTree
	for ns, o := range byNS {
		if tree := buildTree(o.certs, o.tpls, o.passes, only); len(tree) > 0 {
			out = append(out, namespaceTree{ns, tree})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].namespace < out[j].namespace })
	return out
}

// withPassesOnly keeps the templates (and their certificates) that have
// passes: with -l, what the selected passes hang from.
func withPassesOnly(trees []namespaceTree) []namespaceTree {
	var out []namespaceTree
	for _, t := range trees {
		var certs []*certNode
		for _, cn := range t.tree {
			var tpls []*templateNode
			for _, tn := range cn.templates {
				if len(tn.passes) > 0 {
					tpls = append(tpls, tn)
				}
			}
			if len(tpls) > 0 {
				certs = append(certs, &certNode{name: cn.name, cert: cn.cert, templates: tpls})
			}
		}
		if len(certs) > 0 {
			out = append(out, namespaceTree{t.namespace, certs})
		}
	}
	return out
}

// The report -o json|yaml prints: the tree, with each node's readiness.
type namespaceReport struct {
	Namespace    string              `json:"namespace"`
	Certificates []certificateReport `json:"certificates"`
	ready        bool
}

type certificateReport struct {
	Name               string           `json:"name"`
	Found              bool             `json:"found"`
	Ready              bool             `json:"ready"`
	State              string           `json:"state"`
	PassTypeIdentifier string           `json:"passTypeIdentifier,omitempty"`
	NotAfter           *metav1.Time     `json:"notAfter,omitempty"`
	Templates          []templateReport `json:"templates"`
}

type templateReport struct {
	Name    string       `json:"name"`
	Found   bool         `json:"found"`
	Ready   bool         `json:"ready"`
	State   string       `json:"state"`
	Devices int          `json:"registeredDevices"`
	Passes  []passReport `json:"passes"`
}

type passReport struct {
	Name              string `json:"name"`
	SerialNumber      string `json:"serialNumber"`
	Ready             bool   `json:"ready"`
	State             string `json:"state"`
	RegisteredDevices int32  `json:"registeredDevices"`
	Voided            bool   `json:"voided,omitempty"`
	Redeemed          bool   `json:"redeemed,omitempty"`
	Expired           bool   `json:"expired,omitempty"`
}

func reportOf(ns string, tree []*certNode) namespaceReport {
	r := namespaceReport{Namespace: ns, ready: true}
	for _, cn := range tree {
		cr := certificateReport{Name: cn.name, Found: cn.cert != nil, State: "not found"}
		if cn.cert != nil {
			cr.State, cr.Ready = readiness(cn.cert.Status.Conditions, cn.cert.Generation)
			cr.PassTypeIdentifier, cr.NotAfter = cn.cert.Status.PassTypeIdentifier, cn.cert.Status.NotAfter
		}
		r.ready = r.ready && cr.Ready
		for _, tn := range cn.templates {
			tr := templateReport{Name: tn.name, Found: tn.tpl != nil, State: "not found", Devices: devices(tn.passes), Passes: []passReport{}}
			if tn.tpl != nil {
				tr.State, tr.Ready = readiness(tn.tpl.Status.Conditions, tn.tpl.Generation)
			}
			r.ready = r.ready && tr.Ready
			for _, p := range tn.passes {
				state, ok := readiness(p.Status.Conditions, p.Generation)
				r.ready = r.ready && ok
				tr.Passes = append(tr.Passes, passReport{Name: p.Name, SerialNumber: p.Spec.SerialNumber, Ready: ok, State: state,
					RegisteredDevices: p.Status.RegisteredDevices, Voided: p.Spec.Voided, Redeemed: p.Spec.Redeemed, Expired: p.Status.Expired})
			}
			cr.Templates = append(cr.Templates, tr)
		}
		r.Certificates = append(r.Certificates, cr)
	}
	return r
}

// certNode is a certificate (or a reference to a missing one) and its
// templates.
type certNode struct {
	name      string
	cert      *walletv1.PassCertificate
	templates []*templateNode
}

type templateNode struct {
	name   string
	tpl    *walletv1.PassTemplate
	passes []*walletv1.Pass
}

// buildTree groups passes under their templates and templates under their
// certificates; a reference to a missing object is a node of its own.
func buildTree(certs []walletv1.PassCertificate, tpls []walletv1.PassTemplate, passes []walletv1.Pass, only []string) []*certNode {
	byCert, byTpl := map[string]*certNode{}, map[string]*templateNode{}
	var out []*certNode
	certNodeOf := func(name string) *certNode {
		if n, ok := byCert[name]; ok {
			return n
		}
		n := &certNode{name: name}
		byCert[name] = n
		out = append(out, n)
		return n
	}
	for i := range certs {
		certNodeOf(certs[i].Name).cert = &certs[i]
	}
	for i := range tpls {
		t := &tpls[i]
		n := &templateNode{name: t.Name, tpl: t}
		byTpl[t.Name] = n
		cn := certNodeOf(t.Spec.CertificateRef.Name)
		cn.templates = append(cn.templates, n)
	}
	for i := range passes {
		p := &passes[i]
		n, ok := byTpl[p.Spec.TemplateRef.Name]
		if !ok {
			n = &templateNode{name: p.Spec.TemplateRef.Name}
			byTpl[n.name] = n
			cn := certNodeOf("")
			cn.templates = append(cn.templates, n)
		}
		n.passes = append(n.passes, p)
	}
	if len(only) == 1 {
		var filtered []*certNode
		for _, cn := range out {
			for _, tn := range cn.templates {
				if tn.name == only[0] {
					filtered = append(filtered, &certNode{name: cn.name, cert: cn.cert, templates: []*templateNode{tn}})
				}
			}
		}
		out = filtered
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// readiness is a condition as one word and, when not Ready, its reason and
// message.
func readiness(conds []metav1.Condition, generation int64) (string, bool) {
	c := status.Ready(conds)
	switch {
	case c == nil:
		return "Pending", false
	case c.ObservedGeneration != generation:
		return "Pending (generation " + fmt.Sprint(generation) + " not checked yet)", false
	case c.Status == metav1.ConditionTrue:
		return "Ready", true
	}
	return fmt.Sprintf("%s: %s", c.Reason, c.Message), false
}

func printTree(w io.Writer, tree []*certNode, maxPasses int) bool {
	allReady := true
	mark := func(ok bool) string {
		if ok {
			return "✓"
		}
		allReady = false
		return "✗"
	}
	for _, cn := range tree {
		switch {
		case cn.cert != nil:
			state, ok := readiness(cn.cert.Status.Conditions, cn.cert.Generation)
			expires := ""
			if t := cn.cert.Status.NotAfter; t != nil {
				expires = ", expires " + t.UTC().Format("2006-01-02")
			}
			fmt.Fprintf(w, "%s PassCertificate %s (%s%s): %s\n", mark(ok), cn.name, cn.cert.Status.PassTypeIdentifier, expires, state)
		case cn.name == "":
			fmt.Fprintf(w, "%s passes of missing templates\n", mark(false))
		default:
			fmt.Fprintf(w, "%s PassCertificate %s: not found\n", mark(false), cn.name)
		}
		for i, tn := range cn.templates {
			branch, indent := "├──", "│   "
			if i == len(cn.templates)-1 {
				branch, indent = "└──", "    "
			}
			if tn.tpl == nil {
				fmt.Fprintf(w, "%s %s PassTemplate %s: not found\n", branch, mark(false), tn.name)
			} else {
				state, ok := readiness(tn.tpl.Status.Conditions, tn.tpl.Generation)
				fmt.Fprintf(w, "%s %s PassTemplate %s (%s, %d passes, %d devices): %s\n", branch, mark(ok), tn.name, tn.tpl.Spec.Style, len(tn.passes), devices(tn.passes), state)
			}
			printPasses(w, indent, tn.passes, maxPasses, mark)
		}
	}
	return allReady
}

func devices(passes []*walletv1.Pass) int {
	n := 0
	for _, p := range passes {
		n += int(p.Status.RegisteredDevices)
	}
	return n
}

// printPasses shows the passes that are not Ready first, then the others,
// up to max; the rest are counted.
func printPasses(w io.Writer, indent string, passes []*walletv1.Pass, max int, mark func(bool) string) {
	type row struct {
		p     *walletv1.Pass
		state string
		ok    bool
	}
	rows := make([]row, len(passes))
	for i, p := range passes {
		state, ok := readiness(p.Status.Conditions, p.Generation)
		rows[i] = row{p, state, ok}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].ok != rows[j].ok {
			return !rows[i].ok
		}
		return rows[i].p.Name < rows[j].p.Name
	})
	shown := rows
	if len(rows) > max {
		shown = rows[:max]
	}
	for i, r := range shown {
		branch := "├──"
		if i == len(rows)-1 {
			branch = "└──"
		}
		extra := fmt.Sprintf("%d devices", r.p.Status.RegisteredDevices)
		if b := r.p.Status.Bundle; b != nil && b.LastModified != nil {
			extra += ", signed " + ago(b.LastModified.Time)
		}
		if t := r.p.Status.LastPushed; t != nil {
			extra += ", pushed " + ago(t.Time)
		}
		for _, s := range []struct {
			on   bool
			word string
		}{{r.p.Spec.Voided, "voided"}, {r.p.Spec.Redeemed, "redeemed"}, {r.p.Status.Expired, "expired"}, {r.p.Spec.Anonymized, "anonymized"}} {
			if s.on {
				extra += ", " + s.word
			}
		}
		fmt.Fprintf(w, "%s%s %s %s (%s, %s): %s\n", indent, branch, mark(r.ok), r.p.Name, r.p.Spec.SerialNumber, extra, r.state)
	}
	if rest := rows[len(shown):]; len(rest) > 0 {
		notReady := 0
		for _, r := range rest {
			if !r.ok {
				notReady++
			}
		}
		fmt.Fprintf(w, "%s└── … %d more passes (%d not Ready; --max-passes shows more)\n", indent, len(rest), notReady)
	}
}

func ago(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.UTC().Format("2006-01-02")
}
