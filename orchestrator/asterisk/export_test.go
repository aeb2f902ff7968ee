package asterisk_test

import (
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
)

func asimPhone(answer, hangup time.Duration) switchtest.PhoneBehaviour {
	return switchtest.PhoneBehaviour{AnswerAfter: answer, HangupAfter: hangup}
}
