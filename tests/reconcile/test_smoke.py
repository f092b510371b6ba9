from tests.reconcile.world import World


def test_grant_one_of_each_kind(world: World) -> None:
    world.request("alice", "db", "db-read")
    world.request("alice", "tok", "db-token")
    world.request("bob", "grp", "db-group")
    world.request("bob", "k8s", "orders-debug")
    result = world.run()
    print(result.out)
    assert result.code == 0, result.out
    print(world.types())
    print(world.records())
