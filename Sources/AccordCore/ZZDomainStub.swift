// TEMPORARY stub until DomainName.swift lands.
public enum DomainName { public static func normalize(_ raw: String) throws(DomainNameError) -> String { raw.lowercased() } }
public struct DomainNameError: Error, Equatable, Sendable, CustomStringConvertible { public var reason: String; public var description: String { reason } }
