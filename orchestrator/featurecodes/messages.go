package featurecodes

import (
	"fmt"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// msg names one sentence a feature code may answer with.
type msg int

const (
	msgLoggedIn      msg = iota // logged in to the agent's queues
	msgLoggedOut                // logged out
	msgBreakGranted             // the break request was granted
	msgBreakRefused             // refused: %[1]d on break of a maximum of %[2]d
	msgWrapEnded                // after-call work ended
	msgState                    // "You are %s."
	msgReason                   // "Reason: %s."
	msgPendingNR                // not ready once the call in progress ends
	msgNotAllowed               // not possible in the state %s
	msgUnknownCode              // no such feature code
	msgUnknownReason            // no reason number %s
	msgNotAgent                 // the phone is no agent in the ACD
	msgUnavailable              // the tenant's ACD is not running
	numMsgs
)

// sentences are the spoken texts by language; every language has every
// msg with the same verbs (a test checks it).
var sentences = map[tenancy.Language][numMsgs]string{
	tenancy.LanguageEnglish: {
		msgLoggedIn:      "You are logged in to your queues.",
		msgLoggedOut:     "You are logged out of your queues.",
		msgBreakGranted:  "Your break is granted.",
		msgBreakRefused:  "Your break is refused: %[1]d of at most %[2]d agents are on break already.",
		msgWrapEnded:     "After-call work ended.",
		msgState:         "You are %s.",
		msgReason:        "Reason: %s.",
		msgPendingNR:     "You will be not ready when your call ends.",
		msgNotAllowed:    "That is not possible now: you are %s.",
		msgUnknownCode:   "Unknown feature code.",
		msgUnknownReason: "There is no reason number %s.",
		msgNotAgent:      "This phone is not an agent of the contact center.",
		msgUnavailable:   "The service is not available. Please try again later.",
	},
	tenancy.LanguageChineseSimplified: {
		msgLoggedIn:      "您已登录您的队列。",
		msgLoggedOut:     "您已退出您的队列。",
		msgBreakGranted:  "您的休息申请已批准。",
		msgBreakRefused:  "您的休息申请被拒绝：已有%[1]d位坐席在休息，最多%[2]d位。",
		msgWrapEnded:     "话后处理已结束。",
		msgState:         "您当前的状态是%s。",
		msgReason:        "原因：%s。",
		msgPendingNR:     "当前通话结束后，您将变为未就绪。",
		msgNotAllowed:    "现在无法执行该操作：您当前的状态是%s。",
		msgUnknownCode:   "未知的功能码。",
		msgUnknownReason: "没有编号为%s的原因。",
		msgNotAgent:      "这部话机不是呼叫中心的坐席。",
		msgUnavailable:   "服务暂时不可用，请稍后再试。",
	},
	tenancy.LanguageChineseTraditional: {
		msgLoggedIn:      "您已登入您的佇列。",
		msgLoggedOut:     "您已登出您的佇列。",
		msgBreakGranted:  "您的休息申請已核准。",
		msgBreakRefused:  "您的休息申請被拒絕：已有%[1]d位專員在休息，最多%[2]d位。",
		msgWrapEnded:     "話後處理已結束。",
		msgState:         "您目前的狀態是%s。",
		msgReason:        "原因：%s。",
		msgPendingNR:     "目前通話結束後，您將變為未就緒。",
		msgNotAllowed:    "現在無法執行此操作：您目前的狀態是%s。",
		msgUnknownCode:   "未知的功能碼。",
		msgUnknownReason: "沒有編號為%s的原因。",
		msgNotAgent:      "這支話機不是客服中心的專員。",
		msgUnavailable:   "服務暫時無法使用，請稍後再試。",
	},
}

// stateNames are the ACD states as msgState and msgNotAllowed say them.
var stateNames = map[tenancy.Language]map[acd.State]string{
	tenancy.LanguageEnglish: {acd.LoggedOut: "logged out", acd.NotReady: "not ready", acd.Ready: "ready",
		acd.Reserved: "being offered a call", acd.Busy: "busy", acd.AfterCallWork: "in after-call work", acd.Break: "on break"},
	tenancy.LanguageChineseSimplified: {acd.LoggedOut: "已退出", acd.NotReady: "未就绪", acd.Ready: "就绪",
		acd.Reserved: "来电振铃中", acd.Busy: "忙碌", acd.AfterCallWork: "话后处理", acd.Break: "休息"},
	tenancy.LanguageChineseTraditional: {acd.LoggedOut: "已登出", acd.NotReady: "未就緒", acd.Ready: "就緒",
		acd.Reserved: "來電響鈴中", acd.Busy: "忙碌", acd.AfterCallWork: "話後處理", acd.Break: "休息"},
}

// reasonNames say the ACD's own reasons and the default reason codes
// (tenancy.DefaultNotReadyReasons) that have no label of the tenant's.
var reasonNames = map[tenancy.Language]map[string]string{
	tenancy.LanguageEnglish: {acd.ReasonNoAnswer: "missed call", acd.ReasonRejected: "rejected call",
		acd.ReasonSupervisor: "set by a supervisor"},
	tenancy.LanguageChineseSimplified: {acd.ReasonNoAnswer: "未接来电", acd.ReasonRejected: "拒接来电", acd.ReasonSupervisor: "班长设置",
		"meeting": "会议", "training": "培训", "admin": "行政事务", "personal": "个人事务"},
	tenancy.LanguageChineseTraditional: {acd.ReasonNoAnswer: "未接來電", acd.ReasonRejected: "拒接來電", acd.ReasonSupervisor: "主管設定",
		"meeting": "會議", "training": "培訓", "admin": "行政事務", "personal": "個人事務"},
}

// voices are the TTS voices of the languages (orchestrator/tts.Voices): the
// Traditional Chinese of Taiwan is Mandarin too.
var voices = map[tenancy.Language]string{tenancy.LanguageEnglish: "en", tenancy.LanguageChineseSimplified: "cmn",
	tenancy.LanguageChineseTraditional: "cmn"}

// speech builds one answer in a language, sentence by sentence.
type speech struct {
	lang tenancy.Language
	text string
}

func newSpeech(lang tenancy.Language) *speech {
	if _, ok := sentences[lang]; !ok {
		lang = tenancy.LanguageEnglish
	}
	return &speech{lang: lang}
}

func (s *speech) say(m msg, args ...any) {
	t := fmt.Sprintf(sentences[s.lang][m], args...)
	if s.text != "" && s.lang == tenancy.LanguageEnglish {
		s.text += " "
	}
	s.text += t
}

func (s *speech) state(st acd.State) string { return stateNames[s.lang][st] }

// reason is how a reason code is said: the tenant's label, else a name of
// ours, else the code itself.
func (s *speech) reason(code string, reasons []tenancy.ReasonCode) string {
	for _, r := range reasons {
		if r.Code == code && r.Label != "" {
			return r.Label
		}
	}
	if n, ok := reasonNames[s.lang][code]; ok {
		return n
	}
	return code
}
