package policy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// CheckinWindow is the length of one class-code window (签到码): a new code every 30 seconds.
const CheckinWindow = 30 * time.Second

// CheckinWindowOf is the index of the window holding t (Unix time / 30 s).
func CheckinWindowOf(t time.Time) int64 { return t.Unix() / int64(CheckinWindow/time.Second) }

// CheckinWindowEnd is when window w ends (the next code starts).
func CheckinWindowEnd(w int64) time.Time {
	return time.Unix((w+1)*int64(CheckinWindow/time.Second), 0).UTC()
}

// CheckinCode is the 6-digit class code of a program in window w: HMAC-SHA256 under key of
// "program:window", its first 4 bytes as a number modulo 10⁶, zero-padded.
func CheckinCode(key []byte, programID, w int64) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(strconv.FormatInt(programID, 10) + ":" + strconv.FormatInt(w, 10)))
	n := binary.BigEndian.Uint32(mac.Sum(nil)[:4]) % 1_000_000
	return fmt.Sprintf("%06d", n)
}

// CheckinCodeValid accepts the code of window w and of the window before it, so a trainee who
// read the code just before it changed is not refused.
func CheckinCodeValid(key []byte, programID, w int64, code string) bool {
	for _, win := range []int64{w, w - 1} {
		if hmac.Equal([]byte(CheckinCode(key, programID, win)), []byte(code)) {
			return true
		}
	}
	return false
}
