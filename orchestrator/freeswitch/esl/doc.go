// Package esl is the FreeSWITCH Event Socket wire codec: frames (ordered
// headers and a body), a reader and a writer for both directions of the
// protocol, the URL escaping FreeSWITCH applies to plain-event and channel-data
// headers, and the parsing and encoding of event bodies (text/event-plain,
// text/event-json).
//
// It does no I/O of its own beyond the io.Reader/io.Writer it is given, starts
// no goroutines and keeps no state between frames, so it serves the adapter
// (client side: reads replies and events, writes commands) and the fssim
// simulator (server side: reads commands, writes replies and events) alike.
// Any package may import it.
package esl
