import ReplydApp

@main
enum Entry {
    static func main() async {
        await ReplydCommand.main()
    }
}
