package eslconn

import "github.com/percipia/eslgo/command"

func eventCmd(names ...string) command.Command {
	return command.Event{Format: "json", Listen: names}
}
