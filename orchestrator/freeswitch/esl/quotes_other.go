//go:build !amd64 || purego

package esl

func blocks64(b []byte, q []uint64) bool { return blocks64Generic(b, q) }
