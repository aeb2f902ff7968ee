package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/orchestrator/tts"
)

// promptOptions stores uploaded prompts under <data-dir>/prompts and, when
// sox is installed, converts the WAV encodings the API cannot (A-law, µ-law,
// ADPCM) with it.
func promptOptions(dataDir string, log *slog.Logger) api.PromptOptions {
	opts := api.PromptOptions{Dir: filepath.Join(dataDir, "prompts")}
	sox, err := tts.NewSox()
	if err != nil {
		log.Info("sox not found: only PCM and float WAV prompts can be uploaded", "err", err)
		return opts
	}
	opts.Convert = func(ctx context.Context, wav []byte) ([]byte, error) {
		dir, err := os.MkdirTemp("", "sb-prompt-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
		if err := os.WriteFile(in, wav, 0o600); err != nil {
			return nil, err
		}
		if _, err := sox.ConvertPrompt(ctx, in, out); err != nil {
			return nil, fmt.Errorf("convert prompt: %w", err)
		}
		return os.ReadFile(out)
	}
	return opts
}
