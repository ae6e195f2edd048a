namespace Mesh.Meshctl.Local;

/// <summary>
/// [<see cref="Lowest"/>, <see cref="End"/>) cut into slices that the processes on this machine claim, each slice by
/// an exclusive lock on a file named for it in a directory they share, so that no two live processes hand out the
/// same port: a port handed out stays free until its program binds it, and meanwhile another process's picker would
/// find it free too. The kernel drops a process's locks when it exits, however it exits, so nothing is left to clean
/// up. The locks are advisory: they keep apart the processes that take ports through this class.
/// </summary>
internal sealed class PortSlices(string directory, int lowest, int end, int count)
{
    private readonly Lock _gate = new();

    /// <summary>
    /// Each slice's lock file, open for as long as this process lives once claimed: closing it would release the slice.
    /// </summary>
    private readonly FileStream?[] _held = new FileStream?[count];

    public int Lowest => lowest;

    public int End => end;

    /// <summary>A slice no other process holds, now this process's; null when there is none to claim.</summary>
    public (int Lowest, int End)? TryClaim()
    {
        var size = (end - lowest) / count;
        lock (_gate)
        {
            for (var i = 0; size > 0 && i < count; i++)
            {
                var sliceLowest = lowest + (i * size);
                var sliceEnd = i == count - 1 ? end : sliceLowest + size;
                if (_held[i] is null && TryLock(Path.Combine(directory, $"{sliceLowest}-{sliceEnd}.lock")) is { } file)
                {
                    _held[i] = file;
                    return (sliceLowest, sliceEnd);
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The file opened for exclusive use, which on Unix .NET takes <c>flock</c>'s exclusive lock; null when another
    /// process holds it, or when the directory cannot be written (another user's, say).
    /// </summary>
    private static FileStream? TryLock(string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
