namespace FaceIndex.Annoy.Internal;

/// <summary>George Marsaglia's KISS generator, 64-bit variant, exactly as annoy's Kiss64Random (kissrandom.h).</summary>
internal struct Kiss64Random
{
    /// <summary>annoy's default seed.</summary>
    public const ulong DefaultSeed = 1234567890987654321UL;

    private ulong _x;
    private ulong _y;
    private ulong _z;
    private ulong _c;

    public Kiss64Random(ulong seed)
    {
        _x = seed;
        _y = 362436362436362436UL;
        _z = 1066149217761810UL;
        _c = 123456123456123456UL;
    }

    public ulong Next()
    {
        unchecked
        {
            _z = (6906969069UL * _z) + 1234567UL;
            _y ^= _y << 13;
            _y ^= _y >> 17;
            _y ^= _y << 43;
            var t = (_x << 58) + _c;
            _c = _x >> 6;
            _x += t;
            _c += _x < t ? 1UL : 0UL;
            return _x + _y + _z;
        }
    }

    public int Flip() => (int)(Next() & 1UL);

    public ulong Index(ulong n) => Next() % n;
}
