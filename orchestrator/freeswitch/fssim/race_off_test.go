//go:build !race

package fssim

const raceEnabled = false
