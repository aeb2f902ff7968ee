//go:build race

package fssim

const raceEnabled = true
