import AccordCore

extension RefusedRun {
    /// For checks outside the store that refuse runs before a merge (the hub's push screen), so
    /// that their refusals are reported exactly like the store's own.
    public init(refusing run: ChangeRun, rule: String, reason: String) {
        self.init(author: run.author, seqs: run.firstSeq...run.lastSeq, record: run.record, rule: rule, reason: reason)
    }
}
