package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
)

var fsconfigCommands = []command{
	{name: "export", summary: "write the static fallback files of one FreeSWITCH node (DIST-10)", run: runFSConfigExport},
}

const fsconfigExportSummary = `Writes the static XML files that keep one FreeSWITCH node serving its site
when it cannot reach Switchboard at all (docs/freeswitch-setup.md, section 6):
the access numbers' extensions, the directory of the tenants' agents at the
node's site, and the phones' context. Reads the same database as serve
(-database, -data-dir, -secret-key); -esl-listen is the controller socket the
files point to. Files are written under -out, relative to the node's
configuration directory (e.g. dialplan/public/00_switchboard.xml), mode 0600:
they hold the phones' a1-hashes. Copy them to the node's configuration
directory and run 'fs_cli -x reloadxml'; regenerate them on every change.`

// runFSConfigExport renders xmlcurl.Snapshot.StaticFallback for -node from
// the stored configuration and writes it under -out.
func runFSConfigExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, ss, err := parseConfigWith("fsconfig export", fsconfigExportSummary, args, getenv, stderr, func(ss *settings) {
		ss.add("node", "", "name of the FreeSWITCH node to export for (required)", false)
		ss.add("out", "", "directory to write the files under, created if missing (required)", false)
	})
	if err != nil {
		return err
	}
	node, out := ss.str("node"), ss.str("out")
	if node == "" || out == "" {
		return usageError{"fsconfig export: -node and -out are required"}
	}
	// An export reads what serve stored: never create a key or a database
	// (a wrong -data-dir would otherwise export an empty configuration).
	if cfg.SecretKey == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "secret.key")); err != nil {
			return fmt.Errorf("fsconfig export: no secret key: set -secret-key or point -data-dir at serve's (%w)", err)
		}
	}
	if path, ok := strings.CutPrefix(cfg.Database, "sqlite:"); ok {
		path, _, _ = strings.Cut(path, "?")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("fsconfig export: no database at %s: point -data-dir or -database at serve's (%w)", path, err)
		}
	}
	key, err := loadSecretKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		return err
	}
	defer st.Close()
	snap, err := callconfig.Load(ctx, st, time.Now())
	if err != nil {
		return fmt.Errorf("read the configuration: %w", err)
	}
	c, problems := xmlcurlConfig(snap, cfg.ESLListen)
	xs, more := xmlcurl.Build(c)
	log := slog.New(slog.NewTextHandler(stderr, nil))
	for _, p := range append(problems, more...) {
		log.Warn("left out of the export", "object", p.Object, "reason", p.Reason)
	}
	files, err := xs.StaticFallback(node)
	if errors.Is(err, xmlcurl.ErrUnknownNode) {
		return fmt.Errorf("fsconfig export: no enabled FreeSWITCH node %q with a valid secret in the configuration", node)
	}
	if err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(out, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.Content, 0o600); err != nil {
			return err
		}
		if err := os.Chmod(path, 0o600); err != nil { // WriteFile keeps an existing file's mode
			return err
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}
