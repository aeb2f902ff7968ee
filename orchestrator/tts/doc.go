// Package tts turns flow text into prompt files (IVR-18) and checks prompt
// files that tenants upload. A Provider gives the path of a WAV file for a
// text and voice; Cache is the Provider the orchestrator uses, rendering
// through an Engine once per (voice, text) and keeping the result on disk.
// The default Engine is espeak-ng (Mandarin cmn-latn-pinyin, Cantonese yue,
// English en) resampled by sox to 8 kHz mono 16-bit WAV, which every switch
// plays without transcoding; it needs no network. docs/tts.md shows how to
// plug in a cloud engine.
//
// An adapter: it runs programs (os/exec) and writes files. Imported by
// orchestrator wiring and cmd/switchboard; never by the cores.
package tts
