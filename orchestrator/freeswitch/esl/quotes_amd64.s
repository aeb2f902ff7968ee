//go:build !purego

#include "textflag.h"

// func blocks64(b []byte, q []uint64) (ctl bool)
//
// For each whole 64 bytes of b: four 16-byte loads, each compared with '"'
// (PCMPEQB) and its byte flags gathered into 16 bits (PMOVMSKB); the four
// are one word of q. The smallest byte seen is kept in X7 (PMINUB), and ctl
// reports at the end whether it is below 0x20.
TEXT ·blocks64(SB), NOSPLIT, $0-49
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	MOVQ q_base+24(FP), DI
	MOVQ q_len+32(FP), R9
	SHRQ $6, CX
	CMPQ R9, CX
	CMOVQLT R9, CX // never more words than q has
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X0
	PUNPCKLQDQ X0, X0 // sixteen '"'
	PCMPEQB X7, X7    // smallest byte so far: 0xff
	TESTQ CX, CX
	JZ done

loop:
	MOVOU 0(SI), X1
	MOVOU 16(SI), X2
	MOVOU 32(SI), X3
	MOVOU 48(SI), X4
	PMINUB X1, X7
	PMINUB X2, X7
	PMINUB X3, X7
	PMINUB X4, X7
	PCMPEQB X0, X1
	PCMPEQB X0, X2
	PCMPEQB X0, X3
	PCMPEQB X0, X4
	PMOVMSKB X1, AX
	PMOVMSKB X2, BX
	PMOVMSKB X3, DX
	PMOVMSKB X4, R8
	SHLQ $16, BX
	SHLQ $32, DX
	SHLQ $48, R8
	ORQ BX, AX
	ORQ DX, AX
	ORQ R8, AX
	MOVQ AX, 0(DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ loop

done:
	// A byte of X7 is below 0x20 exactly when min(it, 0x1f) equals it.
	MOVQ $0x1f1f1f1f1f1f1f1f, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	PMINUB X7, X1
	PCMPEQB X7, X1
	PMOVMSKB X1, AX
	TESTL AX, AX
	SETNE ctl+48(FP)
	RET
