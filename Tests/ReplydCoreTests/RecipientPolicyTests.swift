import Testing
@testable import ReplydCore

@Suite struct RecipientPolicyTests {
    @Test func catchAllAcceptsAnyLocalPartOfLocalDomainsOnly() {
        let policy = RecipientPolicy(localDomains: ["Example.test"], catchAll: true)
        #expect(policy.verdict(for: .init(localPart: "anyone", domain: "example.TEST")) == .accept)
        #expect(policy.verdict(for: .init(localPart: "anyone", domain: "example.test.evil")) == .relayDenied)
        #expect(policy.verdict(for: .init(localPart: "anyone", domain: "sub.example.test")) == .relayDenied)
    }

    @Test func listedMailboxesWithSubaddressing() {
        let policy = RecipientPolicy(localDomains: ["example.test"], catchAll: false, mailboxes: ["Jan@example.test"])
        #expect(policy.verdict(for: .init(localPart: "jan", domain: "example.test")) == .accept)
        #expect(policy.verdict(for: .init(localPart: "jan+faktury", domain: "example.test")) == .accept)
        #expect(policy.verdict(for: .init(localPart: "+x", domain: "example.test")) == .unknownUser)
        #expect(policy.verdict(for: .init(localPart: "ola", domain: "example.test")) == .unknownUser)
        #expect(policy.verdict(for: .init(localPart: "PostMaster", domain: "example.test")) == .accept)
        let strict = RecipientPolicy(localDomains: ["example.test"], catchAll: false, mailboxes: ["jan@example.test"], recipientDelimiter: nil)
        #expect(strict.verdict(for: .init(localPart: "jan+x", domain: "example.test")) == .unknownUser)
    }
}
