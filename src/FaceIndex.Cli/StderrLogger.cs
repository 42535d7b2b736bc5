using Microsoft.Extensions.Logging;

namespace FaceIndex.Cli;

/// <summary>Warnings and errors of the library (a retried database call, say) as one stderr line each.</summary>
internal sealed class StderrLogger : ILogger
{
    public static StderrLogger Instance { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            Console.Error.WriteLine($"faceindex: {formatter(state, exception)}");
        }
    }
}
