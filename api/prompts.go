package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/audio/wav"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Prompt files (IVR-3): uploaded per tenant and language, checked and
// converted to what FreeSWITCH plays (8 kHz mono 16-bit PCM WAV), kept under
// <Dir>/<tenant>/<language>/<name>.wav with their metadata in the store.

// PromptOptions say where prompt files go and how they are converted.
type PromptOptions struct {
	// Dir is the root of the per-tenant prompt directories; FreeSWITCH must
	// see the same tree (its sound prefix). Empty: uploads are refused (503).
	Dir string
	// MaxBytes bounds one upload; 0 means 20 MiB.
	MaxBytes int64
	// Convert, when set, converts WAV encodings the API cannot (A-law, µ-law,
	// ADPCM...) to 8 kHz mono 16-bit PCM WAV (e.g. a sox-based converter).
	// PCM and float WAVs are converted in process without it.
	Convert func(ctx context.Context, wav []byte) ([]byte, error)
}

func (o PromptOptions) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return 20 << 20
}

func (s *Server) promptRoutes() []route {
	p := "/tenants/:tenant_id/prompts"
	one := p + "/:prompt_id"
	r, w := tenancy.PermFlowsRead, tenancy.PermFlowsWrite
	return []route{
		// Not idempotent by key: the body is audio (larger than the key's 1 MiB
		// body limit), and (name, language) is unique, so a retry gets 409.
		{method: http.MethodPost, path: p, name: "uploadPrompt",
			summary: "Upload a WAV prompt: raw body with ?name=&language=, or multipart fields name, language, file",
			scope:   scopeTenant, perm: w, bodyMedia: []string{"audio/wav", "multipart/form-data"}, resp: store.Prompt{},
			status: http.StatusCreated, h: s.uploadPrompt},
		{method: http.MethodGet, path: p, name: "listPrompts", summary: "List prompts", scope: scopeTenant, perm: r,
			resp: store.Prompt{}, list: true, status: http.StatusOK, h: s.listPrompts},
		{method: http.MethodGet, path: one, name: "getPrompt", summary: "Get a prompt's metadata", scope: scopeTenant, perm: r,
			resp: store.Prompt{}, status: http.StatusOK, h: s.getPrompt},
		{method: http.MethodGet, path: one + "/audio", name: "getPromptAudio", summary: "The prompt's WAV file (8 kHz mono 16-bit PCM)",
			scope: scopeTenant, perm: r, media: "audio/wav", status: http.StatusOK, h: s.getPromptAudio},
		{method: http.MethodPut, path: one + "/audio", name: "replacePromptAudio", summary: "Replace a prompt's recording (raw WAV body)",
			scope: scopeTenant, perm: w, bodyMedia: []string{"audio/wav"}, resp: store.Prompt{}, status: http.StatusOK, h: s.replacePromptAudio},
		{method: http.MethodDelete, path: one, name: "deletePrompt", summary: "Delete a prompt and its file", scope: scopeTenant, perm: w,
			status: http.StatusNoContent, h: s.deletePrompt},
	}
}

// upload is one prompt upload as received.
type upload struct {
	name, language string
	audio          []byte
}

func (s *Server) uploadPrompt(c *echo.Context) error {
	if s.prompts.Dir == "" {
		return newError(http.StatusServiceUnavailable, "prompts_unconfigured", "prompt uploads are not configured on this server (no prompt directory)")
	}
	extendDeadlines(c, uploadReadTimeout)
	up, err := readUpload(c, s.prompts.maxBytes())
	if err != nil {
		return err
	}
	var v checker
	if !store.PromptNameRe.MatchString(up.name) {
		v.add("name", "must be 1 to 64 letters, digits, _ or - (got %q)", up.name)
	}
	if !store.PromptLanguageRe.MatchString(up.language) {
		v.add("language", "must be a language code such as en, cmn or yue (got %q)", up.language)
	}
	if err := v.err(); err != nil {
		return err
	}
	wav, err := s.telephonyWAV(c.Request().Context(), up.audio)
	if err != nil {
		return err
	}
	p, err := s.savePrompt(c, up, wav)
	if err != nil {
		return err
	}
	return created(c, p.ID, p)
}

// readUpload takes name, language and audio from a multipart form or from
// the query and the raw body.
func readUpload(c *echo.Context, limit int64) (upload, error) {
	r := c.Request()
	body := http.MaxBytesReader(c.Response(), r.Body, limit+64<<10)
	up := upload{name: c.QueryParam("name"), language: c.QueryParam("language")}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mt == "multipart/form-data" {
		r.Body = body
		err = readMultipart(r, limit, &up)
	} else {
		up.audio, err = io.ReadAll(io.LimitReader(body, limit+1))
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || int64(len(up.audio)) > limit:
		return up, &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Message: fmt.Sprintf("a prompt file is at most %d bytes", limit)}
	case err != nil:
		return up, err
	case len(up.audio) == 0:
		return up, errInvalid(FieldError{Field: "file", Problem: "is empty: send a WAV file"})
	}
	return up, nil
}

func readMultipart(r *http.Request, limit int64, up *upload) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return errBadField("body", "malformed multipart form: "+err.Error())
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errBadField("body", "malformed multipart form: "+err.Error())
		}
		switch part.FormName() {
		case "name", "language":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return errBadField(part.FormName(), "could not be read")
			}
			if part.FormName() == "name" {
				up.name = string(b)
			} else {
				up.language = string(b)
			}
		case "file":
			if up.audio, err = io.ReadAll(io.LimitReader(part, limit+1)); err != nil {
				return err
			}
		default:
			return errBadField(part.FormName(), "unknown form field (use name, language, file)")
		}
	}
}

// telephonyWAV checks the upload is a WAV file and returns it as 8 kHz mono
// 16-bit PCM.
func (s *Server) telephonyWAV(ctx context.Context, audio []byte) (wav.File, error) {
	w, err := wav.Parse(audio)
	if err != nil {
		return wav.File{}, errInvalid(FieldError{Field: "file", Problem: err.Error() + "; upload a WAV (RIFF/WAVE) audio file"})
	}
	var out []byte
	switch {
	case w.IsTelephony():
		return w, nil
	case w.Convertible():
		return wav.ToTelephony(w)
	case s.prompts.Convert != nil:
		if out, err = s.prompts.Convert(ctx, audio); err != nil {
			return wav.File{}, errInvalid(FieldError{Field: "file", Problem: "could not be converted to 8 kHz mono PCM: " + err.Error()})
		}
	default:
		return wav.File{}, errInvalid(FieldError{Field: "file",
			Problem: fmt.Sprintf("WAV encoding %d is not supported here; upload PCM or float WAV", w.Encoding)})
	}
	w, err = wav.Parse(out)
	if err != nil || !w.IsTelephony() {
		return wav.File{}, fmt.Errorf("api: prompt converter returned something other than 8 kHz mono 16-bit PCM: %v", err)
	}
	return w, nil
}

// savePrompt writes the file next to its final name, records it, then
// renames it into place, so a failed record leaves no file behind.
func (s *Server) savePrompt(c *echo.Context, up upload, w wav.File) (store.Prompt, error) {
	tenant := tenantOf(c).ID
	rel := path.Join(string(tenant), up.language, up.name+".wav")
	return s.placePrompt(rel, w, func(size int64) (store.Prompt, error) {
		return s.store.CreatePrompt(c.Request().Context(), actor(c), tenant, store.PromptInput{Name: up.name,
			Language: up.language, Path: rel, SizeBytes: size, DurationMS: w.Duration().Milliseconds()})
	})
}

// placePrompt writes w to a temporary file beside rel, lets record store
// the metadata, and only then renames the file into place.
func (s *Server) placePrompt(rel string, w wav.File, record func(size int64) (store.Prompt, error)) (store.Prompt, error) {
	final := filepath.Join(s.prompts.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return store.Prompt{}, fmt.Errorf("api: prompt directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(final), ".upload-*")
	if err != nil {
		return store.Prompt{}, fmt.Errorf("api: prompt file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	data := wav.Encode(w.Format, w.Data)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return store.Prompt{}, fmt.Errorf("api: write prompt: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return store.Prompt{}, fmt.Errorf("api: write prompt: %w", err)
	}
	p, err := record(int64(len(data)))
	if err != nil {
		return store.Prompt{}, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return store.Prompt{}, fmt.Errorf("api: place prompt file: %w", err)
	}
	return p, nil
}

// replacePromptAudio takes a new recording for an existing prompt.
func (s *Server) replacePromptAudio(c *echo.Context) error {
	ctx, tenant := c.Request().Context(), tenantOf(c).ID
	p, err := s.store.GetPrompt(ctx, tenant, c.Param("prompt_id"))
	if err != nil {
		return err
	}
	if s.prompts.Dir == "" {
		return newError(http.StatusServiceUnavailable, "prompts_unconfigured", "prompt uploads are not configured on this server (no prompt directory)")
	}
	extendDeadlines(c, uploadReadTimeout)
	up, err := readUpload(c, s.prompts.maxBytes())
	if err != nil {
		return err
	}
	w, err := s.telephonyWAV(ctx, up.audio)
	if err != nil {
		return err
	}
	out, err := s.placePrompt(p.Path, w, func(size int64) (store.Prompt, error) {
		return s.store.ReplacePromptFile(ctx, actor(c), tenant, p.ID, size, w.Duration().Milliseconds())
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) listPrompts(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.Prompt], error) {
		return s.store.ListPrompts(ctx, tenantOf(c).ID, p)
	}, same[store.Prompt])
}

func (s *Server) getPrompt(c *echo.Context) error {
	return getWith(c, "prompt_id", func(ctx context.Context, id string) (store.Prompt, error) {
		return s.store.GetPrompt(ctx, tenantOf(c).ID, id)
	})
}

// getPromptAudio serves the stored file, so editors can listen to it.
func (s *Server) getPromptAudio(c *echo.Context) error {
	p, err := s.store.GetPrompt(c.Request().Context(), tenantOf(c).ID, c.Param("prompt_id"))
	if err != nil {
		return err
	}
	if s.prompts.Dir == "" || strings.Contains(p.Path, "..") {
		return errNotFound("prompt file")
	}
	b, err := os.ReadFile(filepath.Join(s.prompts.Dir, filepath.FromSlash(p.Path)))
	if os.IsNotExist(err) {
		return errNotFound("prompt file")
	}
	if err != nil {
		return fmt.Errorf("api: read prompt file: %w", err)
	}
	return c.Blob(http.StatusOK, "audio/wav", b)
}

func (s *Server) deletePrompt(c *echo.Context) error {
	return deleteWith(c, "prompt_id", func(ctx context.Context, id string) error {
		p, err := s.store.DeletePrompt(ctx, actor(c), tenantOf(c).ID, id)
		if err != nil {
			return err
		}
		if s.prompts.Dir != "" && !strings.Contains(p.Path, "..") {
			if err := os.Remove(filepath.Join(s.prompts.Dir, filepath.FromSlash(p.Path))); err != nil && !os.IsNotExist(err) {
				s.log.Warn("removing prompt file", "request_id", requestID(c), "path", p.Path, "err", err)
			}
		}
		return nil
	})
}
