import AccordCore
import AccordTestSupport
import Testing

/// The hybrid logical clock decides last-writer-wins, so it must never go backwards, must order
/// after everything it has observed, and must pack into an integer that sorts like the stamp.
@Suite("HLC and HybridClock")
struct HLCUnitTests {
    @Test func packsMillisInHighBitsAndCounterInLowBits() {
        let stamp = HLC(millis: 1_764_057_481_123, counter: 7)
        #expect(stamp.millis == 1_764_057_481_123)
        #expect(stamp.counter == 7)
        #expect(stamp.rawValue == (1_764_057_481_123 << 16) | 7)
        #expect(HLC(rawValue: stamp.rawValue) == stamp)
    }

    /// Stamps compare as their raw integers, which is how SQLite sorts them.
    @Test func ordersByMillisThenCounter() {
        #expect(HLC(millis: 10, counter: 0xFFFF) < HLC(millis: 11, counter: 0))
        #expect(HLC(millis: 10, counter: 1) < HLC(millis: 10, counter: 2))
        #expect(!(HLC(millis: 10, counter: 2) < HLC(millis: 10, counter: 2)))
        #expect(HLC.zero < HLC(millis: 0, counter: 1))
    }

    @Test func tickFollowsTheWallClockWhenItMovesForward() {
        var clock = HybridClock()
        #expect(clock.tick(wallMillis: 1_000) == HLC(millis: 1_000))
        #expect(clock.tick(wallMillis: 2_000) == HLC(millis: 2_000))
        #expect(clock.last == HLC(millis: 2_000))
    }

    /// Many writes within one millisecond get distinct, increasing stamps via the counter.
    @Test func tickWithinOneMillisecondIncrementsTheCounter() {
        var clock = HybridClock()
        let stamps = (0..<5).map { _ in clock.tick(wallMillis: 5_000) }
        #expect(stamps == (0..<5).map { HLC(millis: 5_000, counter: UInt16($0)) })
    }

    /// A wall clock that jumps backwards (NTP correction, a wrong laptop clock) must not make
    /// later writes lose against earlier ones.
    @Test func tickNeverGoesBackwardsWhenTheWallClockDoes() {
        var clock = HybridClock()
        let first = clock.tick(wallMillis: 9_000)
        let second = clock.tick(wallMillis: 1_000)
        let third = clock.tick(wallMillis: 8_999)
        #expect(first < second)
        #expect(second < third)
        #expect(third.millis == 9_000)
        #expect(third.counter == 2)
    }

    @Test func counterOverflowCarriesIntoTheMillisecondPart() {
        var clock = HybridClock(last: HLC(millis: 42, counter: .max))
        let next = clock.tick(wallMillis: 42)
        #expect(next == HLC(millis: 43, counter: 0))
        #expect(next > HLC(millis: 42, counter: .max))
    }

    @Test func observeOfALaterRemoteStampOrdersLaterLocalWritesAfterIt() {
        var clock = HybridClock()
        _ = clock.tick(wallMillis: 1_000)
        let remote = HLC(millis: 50_000, counter: 3)
        clock.observe(remote)
        #expect(clock.last == remote)
        let local = clock.tick(wallMillis: 1_001)
        #expect(local > remote)
        #expect(local == HLC(millis: 50_000, counter: 4))
    }

    @Test func observeOfAnOlderRemoteStampChangesNothing() {
        var clock = HybridClock()
        let mine = clock.tick(wallMillis: 7_000)
        clock.observe(HLC(millis: 3_000, counter: 9))
        #expect(clock.last == mine)
        #expect(clock.tick(wallMillis: 7_000) == HLC(millis: 7_000, counter: 1))
    }

    /// A long scripted run with a jittery wall clock and interleaved remote stamps: every local
    /// stamp is strictly greater than everything issued or observed before it.
    @Test func stampsAreStrictlyMonotonicUnderJitterAndObservation() {
        var clock = HybridClock()
        var generator = SeededRandom(seed: 2026)
        var greatestSeen = HLC.zero
        for step in 0..<2_000 {
            let wall = 1_000_000 + UInt64.random(in: 0...200, using: &generator) - 100 + UInt64(step / 10)
            if step % 7 == 0 {
                let remote = HLC(millis: wall + UInt64.random(in: 0...50, using: &generator), counter: UInt16.random(in: 0...9, using: &generator))
                clock.observe(remote)
                greatestSeen = max(greatestSeen, remote)
            } else {
                let stamp = clock.tick(wallMillis: wall)
                #expect(stamp > greatestSeen, "step \(step)")
                greatestSeen = stamp
            }
        }
    }

    @Test func descriptionIsISO8601WithTheCounterWhenNotZero() {
        #expect(HLC(millis: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(HLC(millis: 1_764_057_481_123).description == "2025-11-25T07:58:01.123Z")
        #expect(HLC(millis: 1_764_057_481_123, counter: 5).description == "2025-11-25T07:58:01.123Z+5")
    }

    @Test func timestampParsesTheInstantFormsTheCommandLineAccepts() {
        #expect(Timestamp.parse("1764057481123") == 1_764_057_481_123)
        #expect(Timestamp.parse("2025-11-25") == 1_764_028_800_000)
        #expect(Timestamp.parse("2025-11-25T07:58:01Z") == 1_764_057_481_000)
        #expect(Timestamp.parse("2025-11-25T07:58:01.123Z") == 1_764_057_481_123)
        #expect(Timestamp.parse("2025-11-25T09:58:01+02:00") == 1_764_057_481_000)
        // Seconds are optional, as `--as-of` and `--since` document.
        #expect(Timestamp.parse("2025-11-25T07:58Z") == 1_764_057_480_000)
        #expect(Timestamp.parse("2025-11-25T09:58+02:00") == 1_764_057_480_000)
        #expect(Timestamp.parse("2025-11-25T07:58-01:00") == 1_764_061_080_000)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.parse("2025-02-30") == nil)
    }

    @Test func timestampFormattingRoundTripsThroughParsing() {
        for millis: UInt64 in [0, 951_782_400_000, 1_764_057_481_123, 4_102_444_799_999] {
            #expect(Timestamp.parse(Timestamp.iso8601(millis: millis)) == millis)
        }
    }
}
