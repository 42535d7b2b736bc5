namespace FaceIndex.Tests;

/// <summary>
/// The test classes that use PostgreSQL share one throw-away cluster and run one after another: the cluster's password
/// travels in this process's PGPASSWORD (as a user's would), which two clusters, or a test that sets a wrong one,
/// would otherwise overwrite under each other's feet.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresTests : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL";
}
