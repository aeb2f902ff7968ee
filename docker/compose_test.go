// Tests of the deployment files in docker/: the compose file loads under the
// compose specification, runs migrations and the controller as the roles
// that postgres/roles.sql creates, and those roles work on a real
// PostgreSQL (no Docker engine is needed).
package docker_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchboard-cc/switchboard/internal/pgtest"
	"github.com/switchboard-cc/switchboard/orchestrator/tts"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Passwords with every character that breaks a URL.
const (
	ownerPassword = "own@r:p/ss#w%rd?&"
	appPassword   = "app@:/#%?&'\"pass"
)

var composeEnv = map[string]string{
	"POSTGRES_PASSWORD":          "super-secret",
	"SWITCHBOARD_OWNER_PASSWORD": ownerPassword,
	"SWITCHBOARD_APP_PASSWORD":   appPassword,
	"SWITCHBOARD_ADMIN_PASSWORD": "admin-password",
	"SWITCHBOARD_SECRET_KEY":     "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	"FREESWITCH_IMAGE":           "example/freeswitch:1.10",
}

func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"}, cli.WithEnv(kv), cli.WithName("switchboard"))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func envOf(t *testing.T, s types.ServiceConfig, key string) string {
	t.Helper()
	v, ok := s.Environment[key]
	if !ok || v == nil {
		t.Fatalf("service %s: no %s", s.Name, key)
	}
	return *v
}

// dbUser checks that a database URL names a role and carries no password
// (compose cannot URL-encode one) and returns the role.
func dbUser(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("database URL %q: %v", raw, err)
	}
	if _, has := u.User.Password(); has {
		t.Errorf("database URL %q carries a password: it breaks on @ : / %% and is shown in process lists; use PGPASSWORD", raw)
	}
	return u.User.Username()
}

func TestComposeFileRunsMigrationsAsOwnerAndServeAsApp(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for name := range p.Services {
			if !yield(name) {
				return
			}
		}
	}); !slices.Equal(got, []string{"freeswitch", "migrate", "postgres", "switchboard"}) {
		t.Fatalf("services %v", got)
	}
	pg, mig, sb := p.Services["postgres"], p.Services["migrate"], p.Services["switchboard"]

	if u := dbUser(t, envOf(t, mig, "SWITCHBOARD_DATABASE")); u != "switchboard_owner" {
		t.Errorf("migrate signs in as %q, want switchboard_owner", u)
	}
	if got := envOf(t, mig, "PGPASSWORD"); got != ownerPassword {
		t.Errorf("migrate's PGPASSWORD %q, want the owner password verbatim", got)
	}
	if !slices.Equal(mig.Command, types.ShellCommand{"migrate"}) || mig.Restart != "no" {
		t.Errorf("migrate must run `switchboard migrate` once: command %v restart %q", mig.Command, mig.Restart)
	}
	if d := mig.DependsOn["postgres"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("migrate must wait for a healthy PostgreSQL: %+v", mig.DependsOn)
	}

	if u := dbUser(t, envOf(t, sb, "SWITCHBOARD_DATABASE")); u != "switchboard_app" {
		t.Errorf("the controller signs in as %q, want switchboard_app", u)
	}
	if got := envOf(t, sb, "PGPASSWORD"); got != appPassword {
		t.Errorf("the controller's PGPASSWORD %q, want the app password verbatim", got)
	}
	// The PostgreSQL driver takes the password from PGPASSWORD when the URL
	// has none: the controller signs in as the app role with it, verbatim.
	t.Setenv("PGPASSWORD", envOf(t, sb, "PGPASSWORD"))
	cfg, err := pgconn.ParseConfig(envOf(t, sb, "SWITCHBOARD_DATABASE"))
	if err != nil || cfg.User != "switchboard_app" || cfg.Password != appPassword || cfg.Database != "switchboard" {
		t.Errorf("the driver reads the controller's settings as user %q password %q database %q (%v)", cfg.User, cfg.Password, cfg.Database, err)
	}
	if len(sb.Command) != 0 && sb.Command[0] != "serve" {
		t.Errorf("the controller runs %v", sb.Command)
	}
	if d := sb.DependsOn["migrate"]; d.Condition != types.ServiceConditionCompletedSuccessfully {
		t.Errorf("the controller must start after migrate succeeded: %+v", sb.DependsOn)
	}
	if mig.Image == "" || mig.Image != sb.Image || mig.Build == nil {
		t.Errorf("migrate and the controller must run the same built image: %q %q", mig.Image, sb.Image)
	}
	if envOf(t, mig, "SWITCHBOARD_SECRET_KEY") != envOf(t, sb, "SWITCHBOARD_SECRET_KEY") {
		t.Error("migrate and the controller must share the secret key (migrations may re-encrypt secrets)")
	}

	// PostgreSQL creates the roles on its first start with the passwords
	// the two services use.
	if u := envOf(t, pg, "POSTGRES_USER"); u == "switchboard_app" || u == "switchboard_owner" {
		t.Errorf("the superuser must not be one of Switchboard's roles: %q", u)
	}
	if envOf(t, pg, "SWITCHBOARD_OWNER_PASSWORD") != ownerPassword || envOf(t, pg, "SWITCHBOARD_APP_PASSWORD") != appPassword {
		t.Error("PostgreSQL's first-start script must get the same passwords as migrate and the controller")
	}
	mounts := map[string]string{}
	for _, v := range pg.Volumes {
		mounts[v.Target] = v.Source
	}
	for target, file := range map[string]string{
		"/docker-entrypoint-initdb.d/10-switchboard-roles.sh": "postgres/init-roles.sh",
		"/switchboard/roles.sql":                              "postgres/roles.sql",
	} {
		if !strings.HasSuffix(mounts[target], "/docker/"+file) {
			t.Errorf("PostgreSQL must mount %s at %s, mounts %v", file, target, mounts)
		}
	}
	script, err := os.ReadFile("postgres/init-roles.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-v owner=switchboard_owner", `owner_password="$SWITCHBOARD_OWNER_PASSWORD"`,
		"-v app=switchboard_app", `app_password="$SWITCHBOARD_APP_PASSWORD"`, "-f /switchboard/roles.sql"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("init-roles.sh does not pass %s", want)
		}
	}
}

func TestComposeFileRequiresEverySecret(t *testing.T) {
	for _, key := range []string{"POSTGRES_PASSWORD", "SWITCHBOARD_OWNER_PASSWORD", "SWITCHBOARD_APP_PASSWORD",
		"SWITCHBOARD_ADMIN_PASSWORD", "SWITCHBOARD_SECRET_KEY"} {
		env := map[string]string{}
		for k, v := range composeEnv {
			if k != key {
				env[k] = v
			}
		}
		if _, err := loadCompose(t, env); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("without %s: want an error naming it, got %v", key, err)
		}
	}
}

// TestFreeSWITCHPlaceholdersAreOneNodeSecret: a node's secret is both its
// ESL password and its xml_curl password, so the two files show the same
// placeholder.
func TestFreeSWITCHPlaceholdersAreOneNodeSecret(t *testing.T) {
	type param struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	read := func(file string) []param {
		b, err := os.ReadFile("freeswitch/autoload_configs/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Params []param `xml:"settings>param"`
			Bind   []param `xml:"bindings>binding>param"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return append(doc.Params, doc.Bind...)
	}
	find := func(ps []param, name string) string {
		for _, p := range ps {
			if p.Name == name {
				return p.Value
			}
		}
		t.Fatalf("no param %s", name)
		return ""
	}
	esl := find(read("event_socket.conf.xml"), "password")
	_, curl, ok := strings.Cut(find(read("xml_curl.conf.xml"), "gateway-credentials"), ":")
	if !ok || esl != curl || esl == "" {
		t.Fatalf("ESL password %q and xml_curl password %q must be the same node secret", esl, curl)
	}
}

// TestComposeRolesOnPostgres runs postgres/roles.sql with psql on a fresh
// database, migrates as the owner role and serves as the app role, as the
// compose file does: the app role owns nothing, cannot change the schema or
// switch row-level security off, is bound by it, and the store works.
func TestComposeRolesOnPostgres(t *testing.T) {
	base := pgtest.BaseURL(t)
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not installed: roles.sql is run by psql in the container")
	}
	suffix := randomSuffix(t)
	db, owner, app := "sb_compose_"+suffix, "sb_owner_"+suffix, "sb_app_"+suffix
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() }) // after the drops below
	mustExec(t, admin, `CREATE DATABASE `+db)
	t.Cleanup(func() {
		mustExec(t, admin, `DROP DATABASE `+db+` WITH (FORCE)`)
		mustExec(t, admin, `DROP ROLE IF EXISTS `+owner)
		mustExec(t, admin, `DROP ROLE IF EXISTS `+app)
	})
	dbURL := withDB(t, base, db, "")
	out, err := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "owner="+owner, "-v", "owner_password="+ownerPassword,
		"-v", "app="+app, "-v", "app_password="+appPassword, "-v", "schema=switchboard", "-f", "postgres/roles.sql", dbURL).CombinedOutput()
	if err != nil {
		t.Fatalf("psql roles.sql: %v\n%s", err, out)
	}

	ctx := context.Background()
	// `switchboard migrate` as the owner.
	own, err := store.Open(ctx, withDB(t, base, db, owner), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := own.Migrate(ctx); err != nil {
		t.Fatalf("migrations as the owner role: %v", err)
	}
	if rs, err := own.RowSecurity(ctx); err != nil || rs.Bypassed {
		t.Errorf("the owner role bypasses row-level security: %+v %v", rs, err)
	}
	own.Close()

	// `switchboard serve` as the app role: it migrates (nothing to do) and works.
	appURL := withDB(t, base, db, app)
	st, err := store.Open(ctx, appURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("serve's migrate step as the app role, nothing pending: %v", err)
	}
	if rs, err := st.RowSecurity(ctx); err != nil || rs.Bypassed || rs.Role != app {
		t.Fatalf("the app role: %+v %v", rs, err)
	}
	ten, err := st.CreateTenant(ctx, store.SystemActor, store.TenantInput{Name: "Acme", SIPDomain: "acme.example.com",
		Language: "en", TimeZone: "UTC", Quotas: tenancy.Quotas{MaxAgents: 1}})
	if err != nil {
		t.Fatalf("create a tenant as the app role: %v", err)
	}
	if _, err := st.CreateSkill(ctx, store.SystemActor, ten.ID, store.SkillInput{Name: "english"}); err != nil {
		t.Fatalf("a tenant write as the app role: %v", err)
	}

	conn, err := sql.Open("pgx", appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var owned int
	if err := conn.QueryRow(`SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid) + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&owned); err != nil || owned != 0 {
		t.Errorf("the app role owns %d relations or schemas (%v), want none", owned, err)
	}
	var ownerOfTenants string
	if err := conn.QueryRow(`SELECT tableowner FROM pg_tables WHERE schemaname = 'switchboard' AND tablename = 'tenants'`).Scan(&ownerOfTenants); err != nil || ownerOfTenants != owner {
		t.Errorf("tenants is owned by %q (%v), want %s", ownerOfTenants, err, owner)
	}
	// Without the tenant scope the policies hide every row from it.
	var visible int
	if err := conn.QueryRow(`SELECT count(*) FROM tenants`).Scan(&visible); err != nil || visible != 0 {
		t.Errorf("the app role saw %d tenants without a scope (%v): row-level security does not bind it", visible, err)
	}
	for _, stmt := range []string{
		`CREATE TABLE intruder (id int)`,
		`ALTER TABLE tenants DISABLE ROW LEVEL SECURITY`,
		`DROP POLICY tenant_isolation ON tenants`,
		`TRUNCATE cdrs`,
		`CREATE SCHEMA intruder`,
		`CREATE TABLE public.intruder (id int)`,
		`CREATE TEMP TABLE intruder (id int)`, // TEMP is PUBLIC's by default: revoked
	} {
		_, err := conn.Exec(stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s as the app role: want permission denied (42501), got %v", stmt, err)
		}
	}
}

func randomSuffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func mustExec(t *testing.T, db *sql.DB, stmt string) {
	t.Helper()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// withDB returns base pointed at database db, signed in as user when
// given (without a password: the test server trusts local connections; the
// compose file's passwords travel in PGPASSWORD).
func withDB(t *testing.T, base, db, user string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

// buildOf returns the controller's build as compose resolves it: the context
// directory and the Dockerfile's path.
func buildOf(t *testing.T) (ctxDir, dockerfile string) {
	t.Helper()
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	b := p.Services["switchboard"].Build
	if b == nil {
		t.Fatal("the controller service has no build")
	}
	return b.Context, filepath.Join(b.Context, b.Dockerfile)
}

// TestImageHasTheTTSTools: the image the controller runs in installs
// espeak-ng and sox and fails to build unless every espeak-ng voice
// orchestrator/tts maps a flow language to is there (without them flow text
// falls back to the switch's TTS and converted prompt uploads are refused).
func TestImageHasTheTTSTools(t *testing.T) {
	_, dockerfile := buildOf(t)
	b, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	final := text[strings.LastIndex(text, "\nFROM "):] // the stage that runs
	if strings.Contains(final, "distroless") || strings.Contains(final, "FROM scratch") {
		t.Fatalf("the runtime stage has no package manager for the TTS tools: %s", strings.SplitN(final, "\n", 3)[1])
	}
	install := regexp.MustCompile(`apt-get install[^&]*`).FindString(final)
	for _, pkg := range []string{"espeak-ng", "sox", "tzdata", "ca-certificates"} {
		if !regexp.MustCompile(`\s` + regexp.QuoteMeta(pkg) + `(\s|$)`).MatchString(install) {
			t.Errorf("the runtime stage does not apt-get install %s: %q", pkg, install)
		}
	}
	loop := regexp.MustCompile(`for v in ([^;]*);`).FindStringSubmatch(final)
	if loop == nil {
		t.Fatal("the runtime stage does not check espeak-ng's voices")
	}
	checked := strings.Fields(loop[1])
	for lang, voice := range tts.Voices {
		if !slices.Contains(checked, voice) {
			t.Errorf("flow language %s speaks with espeak-ng voice %s, which the image build does not check (it checks %v)", lang, voice, checked)
		}
	}
	if !strings.Contains(final, "sox -n -r 8000") {
		t.Error("the image build does not check that sox writes 8 kHz WAV")
	}
}

// TestDockerignoreKeepsTheContextToTheSources: the build context's
// .dockerignore leaves out history, CI, secrets, data and test data, and
// keeps every file the controller's build reads (the module's Go and
// embedded files of every package cmd/switchboard imports, go.mod, go.sum),
// as `go list` names them.
func TestDockerignoreKeepsTheContextToTheSources(t *testing.T) {
	ctxDir, _ := buildOf(t)
	b, err := os.ReadFile(filepath.Join(ctxDir, ".dockerignore"))
	if err != nil {
		t.Fatalf("the build context %s has no .dockerignore: %v", ctxDir, err)
	}
	ignore := parseDockerignore(string(b))
	for _, p := range []string{".git/HEAD", ".git", ".ci/run", "docker/.env", "switchboard-data/switchboard.db",
		"switchboard-data/secret.key", "switchboard-data/tts/en-1.wav", "local.db", "store/x.db-wal", "switchboard",
		"bin/switchboard", "api/api.test", "cpu.prof", "ivrflows/testdata/good/main.json",
		"orchestrator/freeswitch/fssim/testdata/capture.txt", "docs/api.md", "web/node_modules/x/index.js"} {
		if !ignore(p) {
			t.Errorf(".dockerignore lets %s into the build context", p)
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH: cannot list the build's files")
	}
	cmd := exec.Command(goBin, "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}|{{join .GoFiles ","}}|{{join .EmbedFiles ","}}{{end}}{{end}}`, "./cmd/switchboard")
	cmd.Dir = ctxDir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs(ctxDir)
	if err != nil {
		t.Fatal(err)
	}
	needed := []string{"go.mod", "go.sum", "docker/Dockerfile"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dir, rest, _ := strings.Cut(line, "|")
		gofiles, embeds, _ := strings.Cut(rest, "|")
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Split(gofiles+","+embeds, ",") {
			if f != "" {
				needed = append(needed, filepath.ToSlash(filepath.Join(rel, f)))
			}
		}
	}
	if len(needed) < 50 {
		t.Fatalf("go list named only %d files: %s", len(needed), out)
	}
	for _, f := range needed {
		if ignore(f) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", f)
		}
	}
}

// parseDockerignore returns whether a path (slash-separated, relative to
// the context) is left out by the rules: Docker's, as far as this file
// uses them: the last matching pattern wins, ! re-includes, ** matches any
// number of directories, patterns are relative to the context root, and a
// directory left out takes its contents with it.
func parseDockerignore(text string) func(string) bool {
	type rule struct {
		segs    []string
		include bool
	}
	var rules []rule
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := rule{}
		if strings.HasPrefix(line, "!") {
			r.include, line = true, line[1:]
		}
		r.segs = strings.Split(strings.Trim(path.Clean(line), "/"), "/")
		rules = append(rules, r)
	}
	var match func(pat, segs []string) bool
	match = func(pat, segs []string) bool {
		switch {
		case len(pat) == 0:
			return true // a prefix matched: a directory and what it holds
		case pat[0] == "**":
			for i := 0; i <= len(segs); i++ {
				if match(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		case len(segs) == 0:
			return false
		}
		ok, _ := path.Match(pat[0], segs[0])
		return ok && match(pat[1:], segs[1:])
	}
	return func(p string) bool {
		segs := strings.Split(p, "/")
		out := false
		for _, r := range rules {
			if match(r.segs, segs) {
				out = !r.include
			}
		}
		return out
	}
}

// TestFreeSWITCHSeesTheControllersFiles: prompts and TTS renderings are
// played, and flows' voicemail recorded, by the controller's paths under its
// data directory, so the node mounts that volume at the same place.
func TestFreeSWITCHSeesTheControllersFiles(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	sb, fs := p.Services["switchboard"], p.Services["freeswitch"]
	dataDir := envOf(t, sb, "SWITCHBOARD_DATA_DIR")
	var volume string
	for _, v := range sb.Volumes {
		if v.Target == dataDir {
			volume = v.Source
		}
	}
	if volume == "" {
		t.Fatalf("the controller keeps no volume at its data dir %s: %+v", dataDir, sb.Volumes)
	}
	for _, v := range fs.Volumes {
		if v.Source == volume && v.Target == dataDir && !v.ReadOnly {
			return
		}
	}
	t.Errorf("FreeSWITCH does not mount %s at %s (writable, for voicemail): %+v", volume, dataDir, fs.Volumes)
}
