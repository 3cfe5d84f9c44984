// Conformance oracle: loads a compose project exactly as `docker compose`
// does (compose-go v2) and prints the dependency levels and the depends_on
// entries in the shape of `stackgate plan --format json` (without probes).
//
//	oracle -f FILE [-f FILE...] [--profile P...] [--project-directory DIR]
//
// Exit 2 with the error text on stderr when the project does not load.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

type dep struct {
	Service   string `json:"service"`
	Condition string `json:"condition"`
	Required  bool   `json:"required"`
}

type svc struct {
	DependsOn []dep `json:"depends_on"`
}

type plan struct {
	Levels   [][]string     `json:"levels"`
	Services map[string]svc `json:"services"`
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(2)
}

func main() {
	var files, profiles []string
	projectDir := ""
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			if i+1 >= len(args) {
				fmt.Fprintln(os.Stderr, "missing value after", a)
				os.Exit(64)
			}
			i++
			return args[i]
		}
		switch {
		case a == "-f" || a == "--file":
			files = append(files, next())
		case strings.HasPrefix(a, "--file="):
			files = append(files, strings.TrimPrefix(a, "--file="))
		case a == "--profile":
			profiles = append(profiles, next())
		case strings.HasPrefix(a, "--profile="):
			profiles = append(profiles, strings.TrimPrefix(a, "--profile="))
		case a == "--project-directory":
			projectDir = next()
		default:
			fmt.Fprintln(os.Stderr, "unknown argument", a)
			os.Exit(64)
		}
	}

	// As docker compose's toProjectOptions: OS env, then .env (from the
	// working directory and the project directory), then COMPOSE_PROFILES.
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(projectDir),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(profiles...),
		cli.WithName(""),
	}
	po, err := cli.NewProjectOptions(files, opts...)
	if err != nil {
		fail(err)
	}
	project, err := po.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	// The loader has applied the profiles (WithDefaultProfiles). docker
	// compose then enables the services named on the command line: none
	// here, so project.WithServicesEnabled() would change nothing.
	if err := checkDeps(project); err != nil {
		fail(err)
	}

	out := plan{Services: map[string]svc{}}
	level := map[string]int{}
	visiting := map[string]bool{}
	var levelOf func(name string) int
	levelOf = func(name string) int {
		if l, ok := level[name]; ok {
			return l
		}
		if visiting[name] {
			fail(fmt.Errorf("dependency cycle through %q", name))
		}
		visiting[name] = true
		l := 0
		s := project.Services[name]
		for d := range s.DependsOn {
			if _, ok := project.Services[d]; !ok {
				continue
			}
			if dl := levelOf(d) + 1; dl > l {
				l = dl
			}
		}
		visiting[name] = false
		level[name] = l
		return l
	}
	for name, s := range project.Services {
		l := levelOf(name)
		for len(out.Levels) <= l {
			out.Levels = append(out.Levels, []string{})
		}
		out.Levels[l] = append(out.Levels[l], name)
		deps := []dep{}
		for target, d := range s.DependsOn {
			cond := d.Condition
			if cond == "" {
				cond = types.ServiceConditionStarted
			}
			deps = append(deps, dep{Service: target, Condition: cond, Required: d.Required})
		}
		sort.Slice(deps, func(i, j int) bool { return deps[i].Service < deps[j].Service })
		out.Services[name] = svc{DependsOn: deps}
	}
	for _, l := range out.Levels {
		sort.Strings(l)
	}
	if out.Levels == nil {
		out.Levels = [][]string{}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

// checkDeps fails as docker compose's graph does on a required dependency
// that is missing (or disabled) and on cycles; a non-required one is dropped.
func checkDeps(p *types.Project) error {
	for name, s := range p.Services {
		for target, d := range s.DependsOn {
			if _, ok := p.Services[target]; ok {
				continue
			}
			if !d.Required {
				delete(s.DependsOn, target)
				continue
			}
			if ds, ok := p.DisabledServices[target]; ok {
				return fmt.Errorf("service %q is required by %q but is disabled. Can be enabled by profiles %s", target, name, ds.Profiles)
			}
			return fmt.Errorf("service %q depends on unknown service %q", name, target)
		}
		p.Services[name] = s
	}
	return nil
}
