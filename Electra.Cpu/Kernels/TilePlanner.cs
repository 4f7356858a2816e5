namespace Electra.Cpu.Kernels;

/// <summary>One thread tile of a GEMM: rows [Row0, Row1) of output <c>Output</c>'s panels [Panel0, Panel1).</summary>
internal readonly record struct GemmTile(int Row0, int Row1, int Output, int Panel0, int Panel1);

/// <summary>
/// Cuts a GEMM with up to <see cref="Gemm.MaxWeights"/> outputs (same input, e.g. query, key and value) into thread
/// tiles of rows × panels, shared by the float and the int8 GEMM. Few rows (up to <see cref="Gemm.SmallRows"/>): all
/// rows in one tile and the panels split, so each thread streams only its share of the weights; more rows: tiles of
/// the given rows × panels. Tiles are numbered row tile by row tile, each row tile's panels output by output.
/// </summary>
internal sealed class TilePlanner
{
    readonly int[] _panelCounts = new int[Gemm.MaxWeights];
    readonly int[] _panelTiles = new int[Gemm.MaxWeights];
    int _outputs, _rows, _tileRows, _rowTiles, _panelsPerTile, _panelTilesPerRow;

    /// <summary>Rows of the GEMM being planned.</summary>
    public int Rows => _rows;

    /// <summary>Rows per row tile of the last <see cref="Plan"/>.</summary>
    public int TileRows => _tileRows;

    /// <summary>Row tiles of the last <see cref="Plan"/>.</summary>
    public int RowTiles => _rowTiles;

    /// <summary>Tiles of the last <see cref="Plan"/>.</summary>
    public int TileCount => _rowTiles * _panelTilesPerRow;

    /// <summary>Forgets the outputs; the next ones are added for a GEMM of <paramref name="rows"/> rows.</summary>
    public void Start(int rows)
    {
        _rows = rows;
        _outputs = 0;
    }

    /// <summary>Adds an output of <paramref name="panelCount"/> packed panels; returns its index.</summary>
    public int Add(int panelCount)
    {
        _panelCounts[_outputs] = panelCount;
        return _outputs++;
    }

    /// <param name="threads">threads that will share the tiles.</param>
    /// <param name="mr">the microkernel's rows (a small GEMM's one row tile is a whole number of them).</param>
    /// <param name="tileRows">rows per tile when there are many rows (a multiple of <paramref name="mr"/>).</param>
    /// <param name="tilePanels">panels per tile when there are many rows.</param>
    /// <param name="wholeRows">every tile holds whole rows of its output (all its panels), as an epilogue over whole rows
    /// (a fused LayerNorm) needs: few rows are then split by rows, one row tile per thread.</param>
    public void Plan(int threads, int mr, int tileRows, int tilePanels, bool wholeRows = false)
    {
        int panels = 0;
        for (int i = 0; i < _outputs; i++) panels += _panelCounts[i];
        if (wholeRows) tilePanels = panels;
        if (wholeRows && _rows <= Gemm.SmallRows)
        {
            // One row tile per thread, whole microkernel blocks each (128 rows on 2 threads: 64 + 64 with 8-row blocks, 66 + 62 with 6).
            _tileRows = ((_rows + threads - 1) / threads + mr - 1) / mr * mr;
            _rowTiles = (_rows + _tileRows - 1) / _tileRows;
            _panelsPerTile = panels;
        }
        else if (_rows <= Gemm.SmallRows)
        {
            // Few rows (small batches): the weight, read once per row tile, is what costs; split the columns
            // instead, so each thread streams only its share of the weight and all rows stay in one tile.
            _tileRows = (_rows + mr - 1) / mr * mr;
            _rowTiles = 1;
            _panelsPerTile = EvenPanelsPerTile(Math.Clamp(panels / (2 * threads), 1, tilePanels), threads);
        }
        else
        {
            // Row tiles of at most tileRows, as many as a multiple of the threads and of equal size (to within mr): with
            // fixed tiles a GEMM of a few hundred rows (a serving batch of short texts) ends on a short last row tile,
            // and a thread that has run out of tiles idles while the other finishes its last full one.
            int rowTiles = (_rows + tileRows - 1) / tileRows;
            rowTiles = (rowTiles + threads - 1) / threads * threads;
            _tileRows = Math.Min(tileRows, ((_rows + rowTiles - 1) / rowTiles + mr - 1) / mr * mr);
            _rowTiles = (_rows + _tileRows - 1) / _tileRows;
            _panelsPerTile = tilePanels;
        }
        _panelTilesPerRow = 0;
        for (int i = 0; i < _outputs; i++)
        {
            _panelTiles[i] = (_panelCounts[i] + _panelsPerTile - 1) / _panelsPerTile;
            _panelTilesPerRow += _panelTiles[i];
        }
    }

    /// <summary>
    /// The most panels per tile, up to <paramref name="most"/>, that divide every output's panels into a number of tiles
    /// that the threads share evenly (failing that, that divide every output's panels), so that every thread streams
    /// the same share of the weights: query, key and value of ELECTRA-small (8 panels of 32 each) in 6-panel tiles were
    /// 6 + 2 panels per output, and the two threads' halves of the 6 tiles 14 and 10 panels; 4-panel tiles give each 12
    /// (1 × 32 and 1 × 48 forwards 2–4% faster, alternating in one process).
    /// </summary>
    int EvenPanelsPerTile(int most, int threads)
    {
        for (int pass = 0; pass < 2; pass++)
            for (int p = most; p > 1; p--)
            {
                bool divides = true;
                int tiles = 0;
                for (int i = 0; i < _outputs; i++)
                {
                    divides &= _panelCounts[i] % p == 0;
                    tiles += _panelCounts[i] / p;
                }
                if (divides && (pass == 1 || tiles % threads == 0)) return p;
            }
        return 1;
    }

    /// <summary>Where tile <paramref name="tile"/> (0 ≤ tile &lt; <see cref="TileCount"/>) lies.</summary>
    public GemmTile Locate(int tile)
    {
        int r0 = tile / _panelTilesPerRow * _tileRows, r1 = Math.Min(_rows, r0 + _tileRows);
        int local = tile % _panelTilesPerRow, which = 0;
        while (local >= _panelTiles[which]) local -= _panelTiles[which++];
        int p0 = local * _panelsPerTile, p1 = Math.Min(_panelCounts[which], p0 + _panelsPerTile);
        return new GemmTile(r0, r1, which, p0, p1);
    }
}
