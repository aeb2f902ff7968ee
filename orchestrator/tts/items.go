package tts

import (
	"context"
	"fmt"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// Files turns a flow's play items into the files to play, in order:
// recorded prompts as they are, text through p. This is what a call session
// does with ivrflows.Play, Collect, Record and Voicemail prompts before
// calling the Switch port's Player (which then plays one file list).
func Files(ctx context.Context, p Provider, items []ivrflows.PlayItem) ([]string, error) {
	files := make([]string, 0, len(items))
	for i, it := range items {
		if it.File != "" {
			files = append(files, it.File)
			continue
		}
		path, err := p.Synthesize(ctx, it.Text, it.Voice)
		if err != nil {
			return nil, fmt.Errorf("prompt item %d: %w", i+1, err)
		}
		files = append(files, path)
	}
	return files, nil
}
