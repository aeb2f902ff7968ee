package asterisk_test

import (
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
)

func asimPhone(answer, hangup time.Duration) switchtest.PhoneBehaviour {
	return switchtest.PhoneBehaviour{AnswerAfter: answer, HangupAfter: hangup}
}

func callerSpec() switchtest.CallerSpec { return switchtest.CallerSpec{From: "5550003", To: "9100"} }
