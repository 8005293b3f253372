package coordinator

import "github.com/vsskit/vss/requestor"

// CallRecord returns r as a requestor.CallRecord, the record of a call or
// return that every requestor session makes (the Windows requestor makes
// only these), and true, if r is a requestor call or return (RecCall,
// RecReturn); false otherwise. Seq, At and Step are r's; the call is
// named by CallKind.String. RecordOfCall converts it back.
func (r Record) CallRecord() (requestor.CallRecord, bool) {
	if r.Kind != RecCall && r.Kind != RecReturn {
		return requestor.CallRecord{}, false
	}
	return requestor.CallRecord{Seq: r.Seq, At: r.At, Step: r.Step, Return: r.Kind == RecReturn,
		Call: r.Call.String(), Err: r.Err, Code: r.Code}, true
}

// RecordOfCall returns c as the Record a session's trace holds for it: a
// RecCall or RecReturn record of the requestor. It fails, with
// ParseCallKind's error, for a call sessions of this package do not
// answer (a restore call, say, from a Windows session).
func RecordOfCall(c requestor.CallRecord) (Record, error) {
	k, err := ParseCallKind(c.Call)
	if err != nil {
		return Record{}, err
	}
	r := Record{Seq: c.Seq, At: c.At, Step: c.Step, Kind: RecCall, Actor: requestorActor, Call: k}
	if c.Return {
		r.Kind, r.Result, r.Err, r.Code = RecReturn, true, c.Err, c.Code
	}
	return r, nil
}
