using FaceIndex.Imaging;
using Microsoft.AspNetCore.Http;

namespace FaceIndex.Web;

/// <summary>A request the server refuses, with the status, a machine-readable reason and a message a person can act on.</summary>
public sealed class RequestProblemException : Exception
{
    public RequestProblemException()
    {
        Reason = "Error";
    }

    public RequestProblemException(string message)
        : base(message)
    {
        Reason = "Error";
    }

    public RequestProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = "Error";
    }

    public RequestProblemException(int status, string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        Reason = reason;
    }

    /// <summary>The HTTP status (4xx).</summary>
    public int Status { get; } = StatusCodes.Status400BadRequest;

    /// <summary>What is wrong, for machines: a decoder reason (Truncated, TooManyPixels, ...) or NoFace, TooLarge, BadParameter.</summary>
    public string Reason { get; }

    /// <summary>The refusal for an image that did not decode: too large 413, not an image 415, otherwise 422.</summary>
    public static RequestProblemException From(ImageDecodeException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var status = ex.Reason switch
        {
            ImageDecodeReason.TooLarge or ImageDecodeReason.TooManyPixels or ImageDecodeReason.ResourceLimit => StatusCodes.Status413PayloadTooLarge,
            ImageDecodeReason.NotAnImage or ImageDecodeReason.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
            ImageDecodeReason.Empty => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status422UnprocessableEntity,
        };
        return new RequestProblemException(status, ex.Reason.ToString(), ex.Message, ex);
    }
}
